"""The leaders' dashboard page and the public statistics page."""

from phananh.dashboard.routes import mount, tile_urls  # noqa: F401
