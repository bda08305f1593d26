"""An address with no page: a browser gets the site's 404 page in its language with the way back, not the API's
JSON error; an unexpected failure, a 500 page; API and Open311 clients keep the JSON body (both DBs)."""

from __future__ import annotations

import httpx
import pytest

from phananh.app import create_app

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


async def test_a_browser_at_a_mistyped_address_gets_a_page_in_vietnamese(client):
    r = await client.get("/phan-anh-moi", headers={**HTML, "Accept-Language": "vi-VN,vi;q=0.9"})
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "<h1>Không tìm thấy trang</h1>" in r.text
    assert "Không có trang nào ở địa chỉ này." in r.text
    for link in ('href="/"', 'href="/theo-doi"', 'href="/cong-khai"'):
        assert link in r.text
    assert '"error"' not in r.text


async def test_the_404_page_follows_the_chosen_language(client):
    r = await client.get("/khong-co/trang-nay?lang=en", headers=HTML)
    assert r.status_code == 404
    assert "<h1>Page not found</h1>" in r.text and "Không tìm thấy trang" not in r.text


async def test_machines_keep_the_json_404(client):
    for path in ("/api/v1/khong-co", "/open311/v2/khong-co.json"):  # Open311 keeps its own error list
        r = await client.get(path, headers=HTML)
        assert r.status_code == 404
        assert r.headers["content-type"].startswith("application/json"), path
        assert "Không tìm thấy trang" not in r.text
    r = await client.get("/khong-co-trang-nay", headers={"Accept": "application/json"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


@pytest.fixture
async def failing(settings, engine):
    """An app of its own with one route that fails unexpectedly (the shared app stays as it is)."""
    app = create_app(settings)
    app.state.engine = engine

    async def boom():
        raise RuntimeError("a bug")

    app.add_api_route("/hong", boom)
    app.add_api_route("/api/v1/hong", boom)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def test_an_unexpected_error_shows_a_browser_a_sentence_and_an_api_client_json(failing):
    r = await failing.get("/hong", headers=HTML)
    assert r.status_code == 500 and r.headers["content-type"].startswith("text/html")
    assert "<h1>Đã có lỗi xảy ra</h1>" in r.text and "a bug" not in r.text and "Traceback" not in r.text
    r = await failing.get("/api/v1/hong", headers=HTML)
    assert r.status_code == 500 and r.json()["error"]["code"] == "internal_error"
