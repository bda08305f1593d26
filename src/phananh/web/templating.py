"""Jinja2 templates with gettext (`_`), local times and the labels of the domain."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from phananh.i18n import gettext
from phananh.provinces.site import site as province_site
from phananh.sla.calendar import TZ
from phananh.web import labels
from phananh.web.session import CSRF_FIELD, Web

TEMPLATES_DIR = Path(__file__).parent / "templates"
env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape(["html", "xml"]),
                  trim_blocks=True, lstrip_blocks=True)


def shorten(text: str | None, limit: int = 100) -> str:
    """Cut `text` to at most `limit` characters on a whole word, with an ellipsis when cut."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    if text[limit] not in " ,.;:!?" and " " in cut:  # the limit falls inside a word: leave that word out
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:-–") + "…"


env.filters["shorten"] = shorten


def local_time(moment: datetime | None, fmt: str = "%H:%M %d/%m/%Y") -> str:
    return moment.astimezone(TZ).strftime(fmt) if moment else ""


def duration(delta: timedelta, lang: str) -> str:
    """“2 giờ 15 phút” / “3 ngày 4 giờ”: how late, how long left."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    _ = partial(gettext, lang=lang)
    if days:
        return _("{days} d {hours} h", days=days, hours=hours)
    if hours:
        return _("{hours} h {minutes} min", hours=hours, minutes=mins)
    return _("{minutes} min", minutes=mins)


def _name(table: dict, code: str | None) -> str:
    row = table.get(code) if code else None
    return row["name"] if row else (code or "")


class _Tiles:
    """The settings the templates read, with the map's opening view taken from the loaded province pack
    (phananh.provinces.site: a PHANANH_MAP_* setting overrides it)."""

    def __init__(self, web: Web):
        self._settings = web.request.app.state.settings
        self._site = province_site(self._settings, web.directory.province if web.directory else None)

    def __getattr__(self, name: str):
        if name in ("map_center_lat", "map_center_lon", "map_zoom"):
            return getattr(self._site, name)
        return getattr(self._settings, name)


def render(web: Web, name: str, status: int = 200, *, environment: Environment | None = None, **ctx) -> HTMLResponse:
    """`environment`: another template set that can extend base.html (the dashboard's, see `env.overlay`)."""
    _ = web._
    tiles = _Tiles(web)  # tile_url... (phananh.config); map_center_lat... from the province pack unless set
    html = (environment or env).get_template(name).render(
        web=web, _=_, lang=web.lang, principal=web.principal, csrf_field=CSRF_FIELD, csrf_token=web.csrf_token,
        flashes=web.flashes, path=web.request.url.path, unread_notices=web.unread_notices, tiles=tiles,
        status_label=lambda s: _(labels.STATUS.get(s) or s), status_tone=lambda s: labels.STATUS_TONE.get(s, "info"),
        stage_label=lambda s: _(labels.STAGE.get(s) or s), action_label=lambda a: _(labels.ACTION.get(a) or a),
        channel_label=lambda c: _(labels.CHANNEL.get(c) or c), role_label=lambda r: _(labels.ROLE.get(r) or r),
        agency_name=lambda code: _name(web.directory.agencies if web.directory else {}, code),
        local_time=local_time, duration=lambda d: duration(d, web.lang), now=web.request.app.state.clock(),
        **ctx,
    )
    return web.finish(HTMLResponse(html, status_code=status))
