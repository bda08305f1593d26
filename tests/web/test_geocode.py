"""The map's address search (issue 14 part 4): off by default, never calling out; with `geocoder_url` set, the
server asks the Nominatim-compatible service and hands the browser the places, answers identical questions from a
cache and keeps each client address to a budget. The geocoder is a real HTTP server started by the test."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from phananh.web import geocode
from tests.security.limits_support import assert_rate_limited, client_of, fresh_ip, limited_app
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


async def test_identical_questions_are_answered_from_the_cache(browser, app, nominatim, monkeypatch):  # noqa: F811
    """The same words (any case or spacing) or the same pin to ~1 m ask the geocoder once."""
    monkeypatch.setattr(app.state.settings, "geocoder_url", nominatim)
    first = await browser.get("/dia-chi/tim", params={"q": "Chợ Cà Mau"})
    again = await browser.get("/dia-chi/tim", params={"q": "  chợ   CÀ MAU "})
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    here = await browser.get("/dia-chi/vi-tri", params={"lat": 9.176901, "lon": 105.152401})
    nudged = await browser.get("/dia-chi/vi-tri", params={"lat": 9.176903, "lon": 105.152398})
    assert here.json() == nudged.json() == {"address": "Chợ Cà Mau, Phường Tân Thành"}
    assert [path for path, _ in FakeNominatim.asked] == ["/search", "/reverse"]
    # Another place is another question; an answer in another language too.
    await browser.get("/dia-chi/tim", params={"q": "Chợ Tân Thành"})
    await browser.get("/dia-chi/tim", params={"q": "Chợ Cà Mau", "lang": "en"})
    assert len(FakeNominatim.asked) == 4


async def test_a_failed_answer_is_not_kept(browser, app, monkeypatch):  # noqa: F811
    monkeypatch.setattr(app.state.settings, "geocoder_url", "http://127.0.0.1:9")
    for _ in range(2):  # asked (and failing) each time, not a cached failure
        r = await browser.get("/dia-chi/tim", params={"q": "Đường Trần Hưng Đạo"})
        assert r.status_code == 502
    assert not any(key[0] == "http://127.0.0.1:9" for key in geocode.answer_cache(app)._items)


def test_the_cache_forgets_old_and_least_used_answers(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(geocode.time, "monotonic", lambda: now[0])
    cache = geocode.AnswerCache(ttl=60, size=2)
    cache.put(("a",), 1)
    cache.put(("b",), 2)
    assert cache.get(("a",)) == 1  # "a" used: "b" is now the least recently used
    cache.put(("c",), 3)
    assert cache.get(("b",)) is None and cache.get(("a",)) == 1 and cache.get(("c",)) == 3
    now[0] += 60
    assert cache.get(("a",)) is None and len(cache) == 1  # expired answers go
    off = geocode.AnswerCache(ttl=0)
    off.put(("a",), 1)
    assert off.get(("a",)) is None


async def test_each_address_has_a_geocoder_budget(settings, engine, nominatim):
    """PHANANH_LIMIT_GEOCODE: questions sent on to the geocoder are counted per client address; a 429 says when
    to try again, answers from the cache stay free, and another address is not affected."""
    app = limited_app(settings, engine, limit_geocode="2/minute", geocoder_url=nominatim)
    ip, other = fresh_ip(), fresh_ip()
    async with client_of(app) as c:
        answers = [await c.get("/dia-chi/tim", params={"q": f"Đường số {n}"}, headers={"X-Forwarded-For": ip})
                   for n in range(3)]
        reverse = await c.get("/dia-chi/vi-tri", params={"lat": 9.18, "lon": 105.15}, headers={"X-Forwarded-For": ip})
        cached = await c.get("/dia-chi/tim", params={"q": "Đường số 0"}, headers={"X-Forwarded-For": ip})
        elsewhere = await c.get("/dia-chi/tim", params={"q": "Đường số 2"}, headers={"X-Forwarded-For": other})
    assert [r.status_code for r in answers] == [200, 200, 429]
    assert_rate_limited(answers[-1], at_most=60)
    assert "giây" in answers[-1].json()["error"]["message"]  # in Vietnamese, for the search box to show
    assert_rate_limited(reverse, at_most=60)
    assert cached.status_code == 200 and cached.json()["items"]
    assert elsewhere.status_code == 200
    assert len(FakeNominatim.asked) == 3  # the refused questions never left
