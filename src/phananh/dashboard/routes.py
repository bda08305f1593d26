"""HTML pages: the leaders' dashboard (/dashboard) and the public statistics page (/thong-ke).

Both extend the site's base template (header, navigation, footer, favicon) and take the language the rest of the
site uses (`?lang=en`, the language cookie, Accept-Language): every text goes through gettext, and the texts the
scripts write are handed to them as a JSON data block. The dashboard reads with the staff session cookie
(HttpOnly) that the staff sign-in page sets: without one it sends the browser there and back.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import ChoiceLoader, FileSystemLoader

from phananh.config import Settings
from phananh.web import labels, templating
from phananh.web.session import PageWeb, Web
from phananh.workflow import Role

HERE = Path(__file__).parent
STATIC_URL = "/dashboard/static"
# The site's template set with ours in front: our pages extend base.html.
_env = templating.env.overlay(loader=ChoiceLoader([FileSystemLoader(HERE / "templates"),
                                                   FileSystemLoader(templating.TEMPLATES_DIR)]))

router = APIRouter(include_in_schema=False)

# Texts the scripts write (English msgids; the page hands them over translated).
JS_TEXTS = {
    "status": labels.STATUS, "stage": labels.STAGE,  # the site's own labels
    "scope": "Scope: {name}", "province": "Whole province", "portal": "Provincial Portal",
    "live_on": "Live", "live_off": "Connection lost, retrying…",  # the dot is drawn by dashboard.css
    "live_paused": "Live updates paused; they resume by themselves", "none_overdue": "No overdue reports.",
    "reports": "Reports", "stars": "{n} stars", "minutes": "{n} min", "hours": "{n} h", "days": "{n} d",
    "open_queue": "Open the overdue queue of {name}", "open_report": "Open report {code}",
    "sample": "n={n}",
}


def _texts(web: Web) -> dict:
    def tr(value):
        return {k: tr(v) for k, v in value.items()} if isinstance(value, dict) else web._(value)
    return tr(JS_TEXTS)


def _tiles(settings: Settings) -> dict:
    """Map tiles from a configurable server (the citizen map's PHANANH_TILE_URL unless PHANANH_MAP_TILES_URL
    says otherwise); the map still shows its points when tiles fail."""
    return {"url": settings.map_tiles_url or settings.tile_url, "attribution": settings.map_tiles_attribution}


def tile_urls(settings: Settings) -> list[str]:
    """Every tile server a page of ours may load images from (for the CSP's img-src)."""
    return [settings.tile_url, _tiles(settings)["url"]]


def _links(web: Web) -> str:
    """Where a report and a filtered queue open for this viewer ('' when they have no console)."""
    role = web.principal.role
    if role in (Role.dispatcher, Role.admin, Role.supervisor):
        return "/portal"
    if role in (Role.handler, Role.agency_leader):
        return "/agency"
    return ""


def _render(web: Web, name: str, **context) -> HTMLResponse:
    response = templating.render(web, name, environment=_env, static=STATIC_URL,
                                 dash_tiles=_tiles(web.request.app.state.settings), js_texts=_texts(web), **context)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/dashboard", response_class=HTMLResponse)
async def dashboard(web: PageWeb):
    return _render(web, "dashboard.html", login_url=web.request.app.state.settings.login_url or "/dang-nhap",
                   links=_links(web))


@router.get("/thong-ke", response_class=HTMLResponse)
async def public_statistics(web: PageWeb):
    return _render(web, "public.html")


def mount(app: FastAPI) -> None:
    app.include_router(router)
    app.mount(STATIC_URL, StaticFiles(directory=HERE / "static"), name="dashboard-static")
