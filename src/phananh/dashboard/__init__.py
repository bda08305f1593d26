"""The leaders' dashboard page and the public statistics page."""

from phananh.dashboard.routes import mount  # noqa: F401
