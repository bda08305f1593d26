"""The map's address search (issue 14 part 4): off by default, never calling out; with `geocoder_url` set, the
server asks the Nominatim-compatible service and hands the browser the places."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from tests.web.test_pages import browser  # noqa: F401 (fixture)


class FakeNominatim(BaseHTTPRequestHandler):
    asked: list[tuple[str, dict]] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        FakeNominatim.asked.append((url.path, query))
        if url.path == "/search":
            body = [{"display_name": "Đường Phan Ngọc Hiển, Phường An Xuyên, Cà Mau", "lat": "9.18", "lon": "105.15"},
                    {"display_name": "broken"}]
        else:
            body = {"display_name": "Chợ Cà Mau, Phường Tân Thành", "lat": query["lat"], "lon": query["lon"]}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def nominatim():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeNominatim)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    FakeNominatim.asked = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


async def test_without_a_geocoder_there_is_no_search_and_nothing_is_asked(browser, app, nominatim):  # noqa: F811
    assert app.state.settings.geocoder_url == ""
    form = await browser.get("/")
    assert 'id="geo-search"' not in form.text and 'data-geocoder=""' in form.text
    off = await browser.get("/dia-chi/tim", params={"q": "Phan Ngọc Hiển"})
    assert off.status_code == 404 and off.json()["error"]["code"] == "geocoder_off"
    assert off.json()["error"]["message"] == "Chưa bật tính năng tìm địa chỉ."
    assert (await browser.get("/dia-chi/vi-tri", params={"lat": 9.18, "lon": 105.15})).status_code == 404
    assert FakeNominatim.asked == []


async def test_with_a_geocoder_the_server_finds_places_and_addresses(browser, app, nominatim, monkeypatch):  # noqa: F811
    monkeypatch.setattr(app.state.settings, "geocoder_url", nominatim + "/")
    form = await browser.get("/")
    assert 'id="geo-search"' in form.text and 'data-geocoder="yes"' in form.text
    found = await browser.get("/dia-chi/tim", params={"q": "Phan Ngọc Hiển"})
    assert found.status_code == 200
    assert found.json() == {"items": [{"address": "Đường Phan Ngọc Hiển, Phường An Xuyên, Cà Mau",
                                       "lat": 9.18, "lon": 105.15}]}  # the malformed place is left out
    path, query = FakeNominatim.asked[-1]
    assert path == "/search" and query["q"] == "Phan Ngọc Hiển" and query["format"] == "jsonv2"
    here = await browser.get("/dia-chi/vi-tri", params={"lat": 9.1769, "lon": 105.1524})
    assert here.json() == {"address": "Chợ Cà Mau, Phường Tân Thành"}
    assert (await browser.get("/dia-chi/tim", params={"q": "ab"})).status_code == 422
    assert (await browser.get("/dia-chi/vi-tri", params={"lat": 91, "lon": 0})).status_code == 422


async def test_a_geocoder_that_does_not_answer_is_a_clear_error(browser, app, monkeypatch):  # noqa: F811
    monkeypatch.setattr(app.state.settings, "geocoder_url", "http://127.0.0.1:9")  # nothing listens
    down = await browser.get("/dia-chi/tim", params={"q": "Phan Ngọc Hiển"})
    assert down.status_code == 502 and down.json()["error"]["code"] == "geocoder_unavailable"
