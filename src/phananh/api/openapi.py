"""Request bodies that routes read by hand (JSON or multipart) still belong in the OpenAPI components."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

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

    app.openapi = openapi
