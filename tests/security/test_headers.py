"""Every answer carries the browser's security headers: a page, an API answer, a media file, an Open311 answer;
HSTS only over https; the API docs load nothing from another site."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from phananh.reports import derivatives
from phananh.server.middleware import SecurityHeaders, csp_source
from tests.reports.test_bad_input import jpeg_bytes
from tests.support import report_body


def csp_directives(response: httpx.Response) -> dict[str, list[str]]:
    policy = response.headers["content-security-policy"]
    return {name: values for name, *values in (d.split() for d in policy.split(";") if d.strip())}


def assert_hardened(response: httpx.Response) -> None:
    csp = csp_directives(response)
    assert csp["script-src"] == ["'self'"], "scripts only from our own files: no inline script, no eval"
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"] and csp["form-action"] == ["'self'"]
    assert csp["default-src"] == ["'self'"] and csp["connect-src"] == ["'self'"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] in ("no-referrer", "same-origin")
    permissions = response.headers["permissions-policy"]
    assert "geolocation=(self)" in permissions and "camera=(self)" in permissions
    assert "strict-transport-security" not in response.headers  # plain http


async def test_a_page_is_hardened(client):
    r = await client.get("/")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    assert_hardened(r)
    assert "<script>" not in r.text and " onclick=" not in r.text


async def test_an_api_answer_and_an_error_are_hardened(client):
    ok = await client.get("/api/v1/categories")
    assert ok.status_code == 200
    assert_hardened(ok)
    missing = await client.get("/api/v1/reports/999999999")
    assert missing.status_code in (403, 404)
    assert_hardened(missing)


async def test_a_media_file_is_hardened(client, tokens, engine, settings):
    r = await client.post("/api/v1/reports", data={"report": json.dumps(report_body())},
                          files={"files": ("a.jpg", jpeg_bytes(), "image/jpeg")})
    assert r.status_code == 201, r.text
    url = r.json()["media"][0]["url"]
    await derivatives.process_due(engine, settings, limit=10_000)  # the worker's public copy
    for path in (url, url + "/original"):
        media = await client.get(path, headers=await tokens("dispatcher"))
        assert media.status_code == 200 and media.headers["content-type"] == "image/jpeg", path
        assert_hardened(media)
        assert media.headers.get_list("x-content-type-options") == ["nosniff"]  # once


async def test_an_open311_answer_is_hardened(client):
    for path in ("/open311/v2/services.json", "/open311/v2/services.xml"):
        r = await client.get(path)
        assert r.status_code == 200, path
        assert_hardened(r)


async def test_the_map_tile_server_is_allowed_for_images_only(client):
    csp = csp_directives(await client.get("/"))
    assert "https://tile.openstreetmap.org" in csp["img-src"]
    assert "https://tile.openstreetmap.org" not in csp["script-src"] + csp["connect-src"]


async def test_hsts_only_over_https(app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver") as c:
        secure = await c.get("/api/v1/health")
    assert secure.headers["strict-transport-security"].startswith("max-age=31536000")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        plain = await c.get("/api/v1/health", headers={"X-Forwarded-Proto": "https"})  # not from a trusted proxy
    assert "strict-transport-security" not in plain.headers


async def test_hsts_follows_the_scheme_that_a_trusted_proxy_reported(app):
    """Behind a proxy, uvicorn's proxy-headers middleware turns X-Forwarded-Proto into the request's scheme."""
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    behind = ProxyHeadersMiddleware(app, trusted_hosts="*")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=behind), base_url="http://testserver") as c:
        r = await c.get("/api/v1/health", headers={"X-Forwarded-Proto": "https"})
    assert r.headers["strict-transport-security"].startswith("max-age=")


async def test_the_api_docs_load_nothing_from_another_site(client):
    r = await client.get("/api/v1/docs")
    assert r.status_code == 200
    assert_hardened(r)
    urls = re.findall(r'(?:src|href)="([^"]+)"', r.text)
    assert urls and all(u.startswith("/") and not u.startswith("//") for u in urls), urls
    assert "<script>" not in r.text  # the init script is a file too
    for url in urls:
        asset = await client.get(url)
        assert asset.status_code == 200, url
        assert b"cdn.jsdelivr.net" not in asset.content and b"unpkg.com" not in asset.content


@pytest.mark.parametrize("template, source", [
    ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
    ("https://{s}.tile.example.vn/{z}/{x}/{y}.png", "https://*.tile.example.vn"),
    ("http://127.0.0.1:9/{z}/{x}/{y}.png", "http://127.0.0.1:9"),
    ("/tiles/{z}/{x}/{y}.png", None),  # our own origin: 'self' covers it
    ("javascript:alert(1)", None),
])
def test_tile_url_templates_become_csp_sources(template, source):
    assert csp_source(template) == source


def test_hsts_can_be_switched_off():
    assert b"strict-transport-security" not in dict(SecurityHeaders(None, hsts_max_age=0).https_headers)
