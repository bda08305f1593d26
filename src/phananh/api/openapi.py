"""The OpenAPI document (request bodies that routes read by hand, JSON or multipart, still belong in its
components) and the docs page at /api/v1/docs: Swagger UI served from our own vendored files."""

from __future__ import annotations

from html import escape
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from phananh.server.cookies import SESSION_COOKIE, read_cookie, session_csrf_token

DOCS_URL = "/api/v1/docs"
DOCS_STATIC = DOCS_URL + "/static"
STATIC_DIR = Path(__file__).parent / "static"  # swagger-ui/ is fetched by vendor.sh and committed

_extra_models: list[type[BaseModel]] = []


def document_models(*models: type[BaseModel]) -> None:
    """Make `models` (and what they refer to) available as #/components/schemas/<Name>."""
    _extra_models.extend(m for m in models if m not in _extra_models)


def install(app: FastAPI) -> None:
    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        _, defs = models_json_schema([(m, "validation") for m in _extra_models],
                                     ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, definition in defs.get("$defs", {}).items():
            components.setdefault(name, definition)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to customise the schema
    _install_docs(app)


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
