"""One JSON error shape for every error: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from phananh.i18n import gettext as _

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error meant for the client. `message` is an English msgid, translated on the way out."""

    def __init__(self, status: int, code: str, message: str, /, details: Any = None, headers=None, **params):
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details
        self.headers, self.params = headers, params


def invalid(details: Any = None) -> ApiError:
    """422 for a body that does not fit its schema; `details` lists what is wrong, field by field."""
    return ApiError(422, "validation_error", "Some fields are missing or invalid.", details=details)


def invalid_fields(exc) -> ApiError:
    """`invalid` from a Pydantic ValidationError."""
    return invalid(_clean(exc.errors()))


def not_found(what: str = "report") -> ApiError:
    return ApiError(404, "not_found", "Not found: {what}", what=what)


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


def _clean(errors: list[dict]) -> list[dict]:
    out = []
    for e in errors:
        item = {"loc": [str(p) for p in e.get("loc", ())], "type": e.get("type"), "msg": e.get("msg")}
        out.append(item)
    return out


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError):
        return JSONResponse(
            error_body(exc.code, _(exc.message, **exc.params), exc.details), exc.status, headers=exc.headers
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
    async def _http(_request: Request, exc: StarletteHTTPException):
        code = _STATUS_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code
        return JSONResponse(error_body(code, _(message)), exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception):
        log.exception("unexpected error", exc_info=exc)
        return JSONResponse(error_body("internal_error", _("An unexpected error occurred.")), 500)
