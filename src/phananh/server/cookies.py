"""Our cookies' names, and the CSRF token bound to a session, shared by the REST API and the web pages.

Over https every cookie of ours is named with the `__Host-` prefix, which browsers accept only with Secure,
Path=/ and no Domain: a sibling subdomain or a man in the middle on plain http cannot plant one. Over https
the plain names are ignored (they could have been planted); over http only the plain names exist.
"""

from __future__ import annotations

import hashlib
import hmac

from starlette.requests import HTTPConnection

HOST_PREFIX = "__Host-"
SESSION_COOKIE = "phananh_session"
CSRF_HEADER = "x-csrf-token"


def is_secure(request: HTTPConnection) -> bool:
    """Whether the browser reached us over https (uvicorn's proxy headers set the scheme behind a proxy)."""
    # The scope's scheme, which `request.url` is built from, without building the whole URL (every request).
    return request.scope.get("scheme", "http") in ("https", "wss")


def cookie_name(name: str, secure: bool) -> str:
    return HOST_PREFIX + name if secure else name


def read_cookie(request: HTTPConnection, name: str) -> str | None:
    return request.cookies.get(cookie_name(name, is_secure(request))) or None


def session_csrf_token(secret: str, session_token: str) -> str:
    """The CSRF token of a signed-in browser: only someone who holds the session can know it."""
    return hmac.new(secret.encode(), f"csrf:session:{session_token}".encode(), hashlib.sha256).hexdigest()


def csrf_matches(secret: str, session_token: str, sent: str | None) -> bool:
    if not sent:
        return False
    return hmac.compare_digest(sent.encode(), session_csrf_token(secret, session_token).encode())
