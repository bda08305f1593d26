"""The OpenAPI document (request bodies that routes read by hand, JSON or multipart, still belong in its
components) and the docs page at /api/v1/docs: Swagger UI served from our own vendored files.

Every operation declares each status it can answer, with the one JSON error body (`ErrorOut`). A route names
its own refusals with `responses=error_responses(409, 429, ...)`; what the shared machinery answers is declared here from
the machinery itself, so that a new route gets it without thinking: who-is-calling (`get_principal`: 401 for a
bad or expired token, 403 for a cookie write without its CSRF token or a staff member who must enrol a second
factor first), a path parameter (404: an id that names nothing), a request body (400 not JSON, 413 too large),
and back-pressure (503 with Retry-After, except for streams and health)."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from phananh.server.cookies import SESSION_COOKIE, read_cookie, session_csrf_token

DOCS_URL = "/api/v1/docs"
DOCS_STATIC = DOCS_URL + "/static"
STATIC_DIR = Path(__file__).parent / "static"  # swagger-ui/ is fetched by vendor.sh and committed

_extra_models: list[type[BaseModel]] = []


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorOut(BaseModel):
    """Every error: {"error": {"code", "message", "details"}} (phananh.errors)."""

    error: ErrorDetail


ERROR_DESCRIPTIONS = {
    400: "The request is malformed (e.g. the body is not valid JSON).",
    401: "Nobody is signed in, or the token is not valid or has expired (WWW-Authenticate: Bearer).",
    403: "The caller may not do this (role, agency, a missing CSRF token, a second factor to set up first).",
    404: "Not found (or not the caller's to see).",
    409: "Not possible in the current state (the report's state, a concurrent change, a repeat).",
    413: "The request or one of its files is too large.",
    415: "The request's content type is not accepted.",
    422: "The request breaks a rule; `details` says which field.",
    429: "Over the caller's budget: try again after Retry-After seconds.",
    502: "An upstream service did not answer.",
    503: "Busy, or the database cannot be reached for a moment: try again after Retry-After seconds.",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: the error statuses it answers itself, with the JSON error body."""
    return {status: {"model": ErrorOut, "description": ERROR_DESCRIPTIONS[status]} for status in statuses}


def document_models(*models: type[BaseModel]) -> None:
    """Make `models` (and what they refer to) available as #/components/schemas/<Name>."""
    _extra_models.extend(m for m in models if m not in _extra_models)


def install(app: FastAPI) -> None:
    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        _declare_shared_errors(app, schema)
        _, defs = models_json_schema([(m, "validation") for m in _extra_models],
                                     ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, definition in defs.get("$defs", {}).items():
            components.setdefault(name, definition)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to customise the schema
    _install_docs(app)


_UNSHED_SUFFIXES = ("/stream", "/health")  # phananh.server.backpressure.UNLIMITED_SUFFIXES
_BODY_METHODS = {"post", "put", "patch", "delete"}


def _calls(dependant: Dependant, function) -> bool:
    return dependant.call is function or any(_calls(d, function) for d in dependant.dependencies)


def _declare_shared_errors(app: FastAPI, schema: dict) -> None:
    from phananh.api.deps import get_principal

    error_ref = {"$ref": "#/components/schemas/ErrorOut"}
    document_models(ErrorOut)
    for route in iter_route_contexts(app.routes):  # routes as included (prefixes and router dependencies applied)
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        path = route.path_format or ""
        for method in route.methods or ():
            operation = schema["paths"].get(path, {}).get(method.lower())
            if operation is None:
                continue
            statuses: set[int] = set()
            if _calls(route.dependant, get_principal):
                statuses |= {401, 403}
            if route.dependant.path_params:
                statuses.add(404)
            if method.lower() in _BODY_METHODS and (route.body_field is not None or "requestBody" in operation):
                statuses |= {400, 413}
            if not path.endswith(_UNSHED_SUFFIXES):
                statuses.add(503)
            responses = operation.setdefault("responses", {})
            for status, declared in responses.items():  # a route's bare `responses={409: {}}` gets the body
                if status.isdigit() and int(status) >= 400 and "content" not in declared:
                    declared["content"] = {"application/json": {"schema": error_ref}}
                    if declared.get("description") in (None, "", "Additional Response"):
                        declared["description"] = ERROR_DESCRIPTIONS.get(int(status), "Error")
            for status in sorted(statuses):
                responses.setdefault(str(status), {"description": ERROR_DESCRIPTIONS[status],
                                                   "content": {"application/json": {"schema": error_ref}}})
            if "422" in responses:  # FastAPI's own 422 (HTTPValidationError) is answered as our error body
                responses["422"] = {"description": ERROR_DESCRIPTIONS[422],
                                    "content": {"application/json": {"schema": error_ref}}}


def _install_docs(app: FastAPI) -> None:
    app.mount(DOCS_STATIC, StaticFiles(directory=STATIC_DIR), name="api-docs-static")

    @app.get(DOCS_URL, include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        session = read_cookie(request, SESSION_COOKIE)
        csrf = session_csrf_token(request.app.state.settings.secret_key, session) if session else ""
        return HTMLResponse(f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(app.title)} – docs</title>
<meta name="csrf-token" content="{csrf}">
<link rel="stylesheet" href="{DOCS_STATIC}/swagger-ui/swagger-ui.css">
<link rel="icon" href="{DOCS_STATIC}/swagger-ui/favicon-32x32.png"></head>
<body><div id="swagger-ui" data-openapi-url="{app.openapi_url}"></div>
<script src="{DOCS_STATIC}/swagger-ui/swagger-ui-bundle.js"></script>
<script src="{DOCS_STATIC}/docs.js"></script>
</body></html>""", headers={"Cache-Control": "no-store"})
