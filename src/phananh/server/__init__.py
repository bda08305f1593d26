"""Running the ASGI app in production: the uvicorn command and the overload answer (README: "Running in
production with PostgreSQL")."""

from __future__ import annotations

from phananh.server.backpressure import install_backpressure


def serve_uvicorn(app_path: str, *, host: str, port: int, workers: int, reload: bool = False,
                  factory: bool = False) -> None:
    """uvicorn with `workers` processes (each builds its own app and engine from the import string, or by calling
    the factory it names)."""
    import uvicorn

    from phananh.config import get_settings
    from phananh.logs import LOGGING_CONFIG

    # X-Forwarded-For/-Proto are believed only from PHANANH_TRUSTED_PROXIES (the same list the abuse limits use):
    # with it empty, no proxy is trusted and the peer address is the client.
    trusted = [p.strip() for p in get_settings().trusted_proxies.split(",") if p.strip()]

    uvicorn.run(
        app_path, host=host, port=port, workers=None if reload else workers, reload=reload, factory=factory,
        log_config=LOGGING_CONFIG,  # uvicorn's, with API keys redacted from every line (phananh.logs)
        proxy_headers=bool(trusted), forwarded_allow_ips=trusted or None, log_level="info",
        access_log=workers == 1,  # one line per request costs ~10% of throughput; a load balancer logs instead
        backlog=2048,  # a burst of connections queues in the kernel instead of being refused
        timeout_keep_alive=30,  # phones on mobile networks reuse their connection between retries
        timeout_graceful_shutdown=10,
    )


__all__ = ["install_backpressure", "serve_uvicorn"]
