"""The page a browser gets instead of the JSON 503 while the database cannot answer (stopped, restarting, pool
exhausted): the site's frame and a line in the reader's language, rendered from the templates alone, since
nothing here may need the database. API and Open311 clients keep the JSON body."""

from __future__ import annotations

from functools import partial

from fastapi import Request
from fastapi.responses import HTMLResponse

from phananh.auth.principal import ANONYMOUS
from phananh.i18n import LANGUAGES, gettext, pick_language
from phananh.server.cookies import read_cookie
from phananh.web.session import CSRF_FIELD, LANG_COOKIE
from phananh.web.templating import env

MACHINE_PREFIXES = ("/api/", "/open311/")


def wants_page(request: Request) -> bool:
    """A browser asking for a page: Accept names text/html, outside the machine interfaces."""
    return "text/html" in request.headers.get("accept", "") and not request.url.path.startswith(MACHINE_PREFIXES)


def unavailable_page(request: Request, *, message: str, retry_after: int) -> HTMLResponse:
    """503 + Retry-After. A page that was only being read reloads by itself after `retry_after` seconds; a form sent
    with POST is not sent again behind the user's back (they go back and send it themselves)."""
    lang = _language(request)
    return _frame(request, "unavailable.html", 503, lang, headers={"Retry-After": str(retry_after)},
                  message=gettext(message, lang), retry_after=retry_after, reload=request.method in ("GET", "HEAD"))


def _language(request: Request) -> str:
    explicit = request.query_params.get("lang")
    return pick_language(request.headers.get("accept-language"),
                         explicit if explicit in LANGUAGES else read_cookie(request, LANG_COOKIE))


def _frame(request: Request, template: str, status: int, lang: str | None = None, headers=None,
           **context) -> HTMLResponse:
    """A page in the site's frame and the reader's language, rendered from the templates alone (no database)."""
    lang = lang or _language(request)
    html = env.get_template(template).render(
        _=partial(gettext, lang=lang), lang=lang, principal=ANONYMOUS, csrf_field=CSRF_FIELD, csrf_token="",
        flashes=[], path=request.url.path, unread_notices=0, **context,
    )
    return HTMLResponse(html, status, headers=headers)


def not_found_page(request: Request) -> HTMLResponse:
    """404 for a browser at an address with no page (a mistyped or outdated link): the way back, instead of the
    API's JSON error."""
    return _frame(request, "not_found.html", 404)


def error_page(request: Request) -> HTMLResponse:
    """500 for a browser when something unexpected failed (logged with its traceback): a sentence, not JSON."""
    return _frame(request, "error.html", 500)
