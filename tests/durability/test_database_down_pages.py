"""PostgreSQL unreachable: a browser asking for a page gets a small page in its language (the site's frame and
style, 503, Retry-After), rendered without the database; API and Open311 clients keep the JSON 503."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from phananh.app import create_app
from phananh.config import Settings
from phananh.db import create_engine
from phananh.server.backpressure import install_backpressure
from tests.ops.test_health import closed_port

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture
async def down(tmp_path):
    """A client of an app whose database refuses every connection."""
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/nothing"
    app = create_app(Settings(database_url=url, media_dir=tmp_path, var_dir=tmp_path, retry_after_seconds=7))
    app.state.engine = create_engine(url)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
    await app.state.engine.dispose()


@pytest.mark.parametrize("path", ["/", "/theo-doi", "/cong-khai", "/portal", "/agency", "/admin"])
async def test_a_browser_gets_a_page_that_reloads_itself(down, path):
    r = await down.get(path, headers={"Accept": BROWSER})
    assert r.status_code == 503, f"{path}: {r.status_code} {r.text[:300]}"
    assert r.headers["retry-after"] == "7"
    assert r.headers["content-type"].startswith("text/html")
    page = r.text
    assert '<html lang="vi">' in page and "<h1>Tạm thời gián đoạn</h1>" in page
    assert "Tạm thời không kết nối được cơ sở dữ liệu; vui lòng thử lại sau giây lát." in page
    assert '<meta http-equiv="refresh" content="7">' in page and "Trang sẽ tự tải lại sau 7 giây." in page
    assert '<link rel="stylesheet" href="/static/app.css">' in page
    assert (await down.get("/static/app.css")).status_code == 200  # the style needs no database either


async def test_the_page_speaks_the_language_the_reader_chose(down):
    r = await down.get("/cong-khai?lang=en", headers={"Accept": BROWSER, "Accept-Language": "vi"})
    assert r.status_code == 503
    assert '<html lang="en">' in r.text and "<h1>Temporarily unavailable</h1>" in r.text
    assert "The database cannot be reached for a moment; please try again shortly." in r.text


async def test_a_form_sent_meanwhile_is_not_sent_again_behind_the_readers_back(down):
    page = await down.get("/", headers={"Accept": BROWSER})
    r = await down.post("/theo-doi", data={"code": "PA-2026-000001", "phone": "0987654321"},
                        headers={"Accept": BROWSER})
    assert page.status_code == 503
    assert r.status_code == 503, f"{r.status_code} {r.text[:300]}"
    assert r.headers["retry-after"] == "7" and r.headers["content-type"].startswith("text/html")
    assert "Biểu mẫu của bạn chưa được gửi. Vui lòng quay lại và gửi lại sau giây lát." in r.text
    assert 'http-equiv="refresh"' not in r.text


@pytest.mark.parametrize(("method", "path", "accept"), [
    ("GET", "/api/v1/categories", BROWSER),  # an API address opened in a browser stays the API's answer
    ("GET", "/api/v1/categories", "application/json"),
    ("GET", "/open311/v2/services.json", BROWSER),
    ("GET", "/open311/v2/services.json", "*/*"),
    ("GET", "/cong-khai", "*/*"),  # a script fetching a page without asking for HTML
])
async def test_api_and_open311_clients_keep_the_json_503(down, method, path, accept):
    r = await down.request(method, path, headers={"Accept": accept})
    assert r.status_code == 503, f"{path}: {r.status_code} {r.text[:300]}"
    assert r.headers["retry-after"] == "7"
    assert r.json()["error"]["code"] == "database_unavailable"


class _FullDatabase(Exception):
    sqlstate = "53300"  # too_many_connections


@pytest.mark.parametrize("failure", [PoolTimeout(), DBAPIError("SELECT 1", None, _FullDatabase())])
async def test_a_browser_gets_the_busy_page_when_no_connection_is_free(failure):
    app = FastAPI()
    install_backpressure(app, max_in_flight=0, retry_after=4)

    @app.get("/portal")
    async def portal():
        raise failure

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        page = await client.get("/portal", headers={"Accept": BROWSER})
        api = await client.get("/portal", headers={"Accept": "application/json"})
    assert (page.status_code, page.headers["retry-after"]) == (503, "4")
    assert "<h1>Tạm thời gián đoạn</h1>" in page.text
    assert "Hệ thống đang quá tải; vui lòng thử lại sau giây lát." in page.text
    assert api.json()["error"]["code"] == "overloaded"


async def test_a_database_host_name_that_no_longer_resolves_is_a_503_not_a_500():
    import socket

    app = FastAPI()
    install_backpressure(app, max_in_flight=0, retry_after=4)

    @app.get("/api/v1/reports")
    async def reports():
        raise socket.gaierror(-2, "Name or service not known")  # asyncpg's connect to db-primary.internal

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        r = await client.get("/api/v1/reports")
    assert (r.status_code, r.headers["retry-after"]) == (503, "4")
    assert r.json()["error"]["code"] == "database_unavailable"
