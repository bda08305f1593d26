"""Operating the service: health and readiness probes, Prometheus metrics, structured logs, the request id
(issue 13 part 8), and the rules version that keeps every process's reference-data caches current (part 3)."""
