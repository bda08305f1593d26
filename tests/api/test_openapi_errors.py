"""Every operation of the OpenAPI document declares the error statuses it can answer, each with the one JSON
error body; Schemathesis (test_schemathesis.py) checks the server against it."""

from __future__ import annotations

import pytest

from phananh.app import create_app
from phananh.config import Settings


@pytest.fixture(scope="module")
def schema(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("openapi")
    app = create_app(Settings(database_url=f"sqlite+aiosqlite:///{tmp / 'x.db'}", media_dir=tmp / "media",
                              var_dir=tmp))
    return app.openapi()


def _operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", path, operation


def test_every_error_status_has_the_json_error_body(schema):
    assert schema["components"]["schemas"]["ErrorOut"]["required"] == ["error"]
    for name, path, operation in _operations(schema):
        for status, response in operation["responses"].items():
            if status.isdigit() and int(status) >= 400 and not (path == "/ready" and status == "503"):
                assert response["content"]["application/json"]["schema"] == \
                    {"$ref": "#/components/schemas/ErrorOut"}, (name, status)


def test_what_the_shared_machinery_answers_is_declared_everywhere(schema):
    for name, path, operation in _operations(schema):
        declared = set(operation["responses"])
        if "{" in path:
            assert "404" in declared, name  # an id that names nothing
        if not path.endswith(("/stream", "/health")):
            assert "503" in declared, name  # shedding load, or the database out of reach
        if "requestBody" in operation:
            assert {"400", "413"} <= declared, name


def test_routes_declare_their_own_refusals(schema):
    paths = schema["paths"]
    assert {"401", "403", "409", "415", "422", "429"} <= set(paths["/api/v1/reports"]["post"]["responses"])
    action = paths["/api/v1/reports/{report_ref}/actions/{action}"]["post"]["responses"]
    assert {"401", "403", "404", "409", "422"} <= set(action)
    assert {"401", "403"} <= set(paths["/api/v1/reports"]["get"]["responses"])  # who is calling: a bad token
    assert {"401", "429"} <= set(paths["/api/v1/auth/login"]["post"]["responses"])
    assert "409" in paths["/api/v1/admin/sla-policy"]["put"]["responses"]
