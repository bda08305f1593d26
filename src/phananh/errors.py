"""One JSON error shape for every error: {"error": {"code", "message", "details"}}; the edge's map from the
domain's errors (phananh.domain_errors) to HTTP statuses."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from phananh.domain_errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    NotSignedIn,
    invalid_fields,
    not_found,
)
from phananh.i18n import gettext as _

log = logging.getLogger(__name__)
__all__ = ["ApiError", "DomainError", "http_status", "invalid", "invalid_fields", "not_found"]


class ApiError(DomainError):
    """An error an edge (a route, a middleware) raises with the HTTP status it chose: 400 malformed JSON, 413,
    415, 429... Services raise the domain's own errors instead, mapped by `http_status`."""

    def __init__(self, status: int, code: str, message: str, /, details: Any = None, headers=None, **params):
        super().__init__(code, message, details, **params)
        self.status, self.headers = status, headers


# The domain's errors as HTTP statuses (most specific class first).
DOMAIN_STATUS: dict[type[DomainError], int] = {
    InvalidInput: 422, NotFound: 404, Conflict: 409, Forbidden: 403, NotSignedIn: 401,
}


def http_status(exc: DomainError) -> int:
    if isinstance(exc, ApiError):
        return exc.status
    for cls, status in DOMAIN_STATUS.items():
        if isinstance(exc, cls):
            return status
    return 400


def http_headers(exc: DomainError) -> dict[str, str] | None:
    if isinstance(exc, NotSignedIn):
        return {"WWW-Authenticate": "Bearer", **(exc.headers or {})}
    return exc.headers


def invalid(details: Any = None) -> InvalidInput:
    """422 for a body that does not fit its schema; `details` lists what is wrong, field by field."""
    return InvalidInput("validation_error", "Some fields are missing or invalid.", details=details)


def error_body(code: str, message: str, details: Any = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details}}


_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    503: "unavailable",
}


def _clean(errors: Sequence[Mapping[str, Any]]) -> list[dict]:
    out = []
    for e in errors:
        item = {"loc": [str(p) for p in e.get("loc", ())], "type": e.get("type"), "msg": e.get("msg")}
        out.append(item)
    return out


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain_error(_request: Request, exc: DomainError):
        return JSONResponse(
            error_body(exc.code, _(exc.message, **exc.params), exc.details), http_status(exc), headers=http_headers(exc)
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError):
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return JSONResponse(error_body("malformed_json", _("The request body is not valid JSON."), _clean(errors)), 400)
        if errors and all(e.get("loc", ("",))[0] == "path" for e in errors):
            # an id out of its column's range (phananh.api.ids) or not a number names nothing
            return JSONResponse(error_body("not_found", _("Not found")), 404)
        return JSONResponse(error_body("validation_error", _("Some fields are missing or invalid."), _clean(errors)), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 404:
            from phananh.web.unavailable import not_found_page, wants_page  # the web layer, for browsers only

            if wants_page(request):
                return not_found_page(request)
        code = _STATUS_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code
        return JSONResponse(error_body(code, _(message)), exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unexpected error", exc_info=exc)
        from phananh.web.unavailable import error_page, wants_page  # the web layer, for browsers only

        if wants_page(request):
            return error_page(request)
        return JSONResponse(error_body("internal_error", _("An unexpected error occurred.")), 500)
