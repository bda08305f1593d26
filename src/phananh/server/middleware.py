"""Per-request settings as pure ASGI middleware: `@app.middleware("http")` (BaseHTTPMiddleware) runs every
request in an extra task with a body stream between the two, which cost the submit ~10% of its time."""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import parse_qsl, urlsplit

from fastapi.responses import JSONResponse
from starlette.requests import ClientDisconnect

from phananh.errors import error_body
from phananh.i18n import current_language, gettext, pick_language
from phananh.server.body_limits import BodyLimits


class BodyTooLarge(Exception):
    """Raised to the app by `receive` once a streamed body passed its cap (the 413 is already sent)."""


class LanguageAndSizeLimit:
    """The response language (`?lang=`, then Accept-Language), and the body cap of the route (server.body_limits):
    413 at once for a Content-Length past it, and for a chunked body as soon as the bytes received pass it; nothing
    past the cap is read, so an oversize body never grows the worker's memory."""

    def __init__(self, app, *, limits: BodyLimits):
        self.app, self.limits = app, limits

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        try:
            await self._dispatch(scope, receive, send)
        except ClientDisconnect:  # the client left while sending its body: nobody to answer, nothing was written
            pass

    async def _dispatch(self, scope, receive, send):
        headers = {k: v for k, v in scope["headers"] if k in _READ}
        query = scope.get("query_string", b"")
        explicit = dict(parse_qsl(query.decode("latin-1"))).get("lang") if b"lang=" in query else None
        current_language.set(pick_language(headers.get(b"accept-language", b"").decode("latin-1"), explicit))
        length = headers.get(b"content-length")
        if length is not None:
            cap = self.limits.cap(scope["path"], headers.get(b"content-type", b""))
            if not length.isdigit() or int(length) > cap:
                return await _too_large(scope, receive, send)
            return await self.app(scope, receive, send)
        if b"transfer-encoding" not in headers:  # no body at all
            return await self.app(scope, receive, send)
        return await self._capped(scope, receive, send, self.limits.cap(scope["path"], headers.get(b"content-type", b"")))

    async def _capped(self, scope, receive, send, cap: int):
        """A chunked body, counted as it streams in."""
        received, refused, started = 0, False, False

        async def counting_receive():
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    if not started:
                        refused = True
                        await _too_large(scope, receive, send)
                    raise BodyTooLarge()
            return message

        async def guarded_send(message):
            nonlocal started
            if refused:  # the 413 went out; whatever the app answers to its failed read is dropped
                return
            started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not refused:
                raise


_READ = frozenset((b"accept-language", b"content-length", b"content-type", b"transfer-encoding"))


async def _too_large(scope, receive, send) -> None:
    body = JSONResponse(error_body("payload_too_large", gettext("The request is too large.")), 413,
                        headers={"Connection": "close"})  # the unread rest of the body is not waited for
    await body(scope, receive, send)


def csp_source(url: str) -> str | None:
    """The CSP source of a URL template: `https://{s}.tile.example.org/{z}/...` → `https://*.tile.example.org`."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    host = re.sub(r"^\{[^}]*\}", "*", parts.netloc)
    return None if "{" in host else f"{parts.scheme}://{host}"


class SecurityHeaders:
    """The browser's security headers on every response, computed once: a CSP without inline scripts (every
    script is a file of ours), no framing, no MIME sniffing, no referrer to other sites, geolocation and camera
    for this origin only, and HSTS when the request came over https.

    Styles may be inline ('unsafe-inline' in style-src): Leaflet, ECharts and Swagger UI write style attributes,
    and a style cannot run code; scripts may not."""

    def __init__(self, app, *, img_sources: Sequence[str] = (), hsts_max_age: int = 31_536_000):
        self.app = app
        images = " ".join(dict.fromkeys(s for s in map(csp_source, img_sources) if s))
        csp = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
               f"img-src 'self' data: blob: {images}".rstrip() + "; "
               "font-src 'self' data:; connect-src 'self'; media-src 'self' blob:; worker-src 'self'; "
               "manifest-src 'self'; frame-src 'none'; frame-ancestors 'none'; base-uri 'self'; "
               "form-action 'self'; object-src 'none'")
        self.headers = [
            (b"content-security-policy", csp.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"same-origin"),
            (b"permissions-policy", b"geolocation=(self), camera=(self), microphone=(), payment=(), usb=()"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]
        hsts = [(b"strict-transport-security", f"max-age={hsts_max_age}".encode())] if hsts_max_age > 0 else []
        self.https_headers = self.headers + hsts

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        extra = self.https_headers if scope.get("scheme") == "https" else self.headers

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)
