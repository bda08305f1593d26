"""Open311 GeoReport v2 at /open311/v2/, partner API keys, and their admin API (issue 6)."""
