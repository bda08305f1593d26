"""The people's interfaces: citizen app, Portal and agency consoles, public site, admin pages (server-rendered)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    """Mount the web pages and their static files on `app` (called from `phananh.app`)."""
    from phananh.web import admin, admin_more, agency, citizen, notices, portal, public, staff
    from phananh.web.session import install_redirects

    install_redirects(app)
    # admin_more before admin, whose /admin/{entity} would catch its paths.
    for module in (citizen, staff, portal, agency, public, notices, admin_more, admin):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
