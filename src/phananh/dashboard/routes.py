"""HTML pages: the leaders' dashboard (/dashboard) and the public statistics page (/thong-ke).

Both are standalone (their own template and static files); the dashboard reads with the staff session
cookie (HttpOnly) that the staff sign-in page sets: without one it sends the browser there and back.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape

from phananh.config import Settings

HERE = Path(__file__).parent
STATIC_URL = "/dashboard/static"
_env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))

router = APIRouter(include_in_schema=False)


def _tiles(settings: Settings) -> dict:
    """Map tiles from a configurable server (the citizen map's PHANANH_TILE_URL unless PHANANH_MAP_TILES_URL
    says otherwise); the map still shows its points when tiles fail."""
    return {"url": settings.map_tiles_url or settings.tile_url, "attribution": settings.map_tiles_attribution}


def tile_urls(settings: Settings) -> list[str]:
    """Every tile server a page of ours may load images from (for the CSP's img-src)."""
    return [settings.tile_url, _tiles(settings)["url"]]


def _render(request: Request, name: str, **context) -> HTMLResponse:
    html = _env.get_template(name).render(static=STATIC_URL, tiles=_tiles(request.app.state.settings), **context)
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


@router.get("/dashboard", response_class=HTMLResponse)
async def dashboard(request: Request):
    return _render(request, "dashboard.html", login_url=request.app.state.settings.login_url or "/dang-nhap")


@router.get("/thong-ke", response_class=HTMLResponse)
async def public_statistics(request: Request):
    return _render(request, "public.html")


def mount(app: FastAPI) -> None:
    app.include_router(router)
    app.mount(STATIC_URL, StaticFiles(directory=HERE / "static"), name="dashboard-static")
