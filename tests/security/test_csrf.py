"""CSRF: a write that relies on the session cookie alone is refused; bearer clients are unaffected; the web
forms' token is bound to the session (or to a cookie the server signed); cookies carry `__Host-` over https."""

from __future__ import annotations

import hashlib
import hmac
import json
import re

import httpx
import pytest

from tests.conftest import DEMO_PASSWORD
from tests.support import submit

META = re.compile(r'<meta name="csrf-token" content="([^"]*)">')
FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
async def browser(app):
    """One browser: its own cookie jar."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        yield c


def plant(c: httpx.AsyncClient, name: str, value: str) -> None:
    """A cookie put into the browser from elsewhere (replacing the server's own of that name)."""
    c.cookies.set(name, value, domain="testserver.local")


async def api_token(client, username: str = "dispatcher") -> str:
    r = await client.post("/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


async def sign_in(c: httpx.AsyncClient, username: str = "dispatcher") -> None:
    token = FIELD.search((await c.get("/dang-nhap")).text).group(1)
    r = await c.post("/dang-nhap", data={"csrf_token": token, "username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 303, r.text[:300]


async def page_csrf(c: httpx.AsyncClient) -> str:
    return META.search((await c.get("/cong-khai")).text).group(1)


def comment_url(report_id: int) -> str:
    return f"/api/v1/reports/{report_id}/actions/comment"


async def test_a_cookie_only_rest_write_is_refused_json_and_multipart(client, browser):
    report = await submit(client)
    plant(browser, "phananh_session", await api_token(client))
    body = {"text": "Ghi chú nội bộ", "public": False}
    as_json = await browser.post(comment_url(report["id"]), json=body)
    assert as_json.status_code == 403
    assert as_json.json()["error"]["code"] == "csrf_failed"
    assert as_json.json()["error"]["message"].startswith("Yêu cầu này thiếu mã bảo mật")
    as_multipart = await browser.post(comment_url(report["id"]), data={"body": json.dumps(body)},
                                      files={"files": ("a.txt", b"x", "text/plain")})
    assert as_multipart.status_code == 403 and as_multipart.json()["error"]["code"] == "csrf_failed"
    as_form = await browser.post(comment_url(report["id"]), data={"body": json.dumps(body)})
    assert as_form.status_code == 403
    wrong = await browser.post(comment_url(report["id"]), json=body, headers={"X-CSRF-Token": "0" * 64})
    assert wrong.status_code == 403
    events = (await client.get(f"/api/v1/reports/{report['id']}/events",
                               headers={"Authorization": f"Bearer {browser.cookies['phananh_session']}"})).json()
    items = events["items"] if isinstance(events, dict) else events
    assert not [e for e in items if e["action"] == "comment"], "a refused write must not have happened"


async def test_a_cookie_only_submit_is_refused_but_reads_are_not(client, browser):
    plant(browser, "phananh_session", await api_token(client))
    r = await browser.post("/api/v1/reports", json={"category": "giao-thong", "description": "Cây đổ",
                                                    "address": "Hẻm 3", "anonymous": True})
    assert r.status_code == 403 and r.json()["error"]["code"] == "csrf_failed"
    assert (await browser.get("/api/v1/reports")).status_code == 200  # reads need no token


async def test_the_pages_token_lets_the_cookie_write(client, browser):
    report = await submit(client)
    await sign_in(browser)
    token = await page_csrf(browser)
    r = await browser.post(comment_url(report["id"]), json={"text": "Đã gọi điện", "public": False},
                           headers={"X-CSRF-Token": token})
    assert r.status_code == 200, r.text


async def test_bearer_clients_need_no_csrf_token(client, tokens):
    report = await submit(client)
    r = await client.post(comment_url(report["id"]), json={"text": "Từ ứng dụng", "public": False},
                          headers=await tokens("dispatcher"))
    assert r.status_code == 200, r.text


async def test_one_sessions_token_does_not_work_for_another(app, client):
    report = await submit(client)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as a, \
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as b:
        await sign_in(a)
        await sign_in(b)
        token_a, token_b = await page_csrf(a), await page_csrf(b)
        assert token_a != token_b
        r = await b.post(comment_url(report["id"]), json={"text": "x", "public": False}, headers={"X-CSRF-Token": token_a})
        assert r.status_code == 403


async def test_a_planted_csrf_cookie_with_its_matching_token_is_refused(app, browser):
    """The attack of the report: plant `phananh_csrf=<chosen>` and post the token that used to match it."""
    chosen = "attacker-chosen-value-0123456789"
    matching = hmac.new(app.state.settings.secret_key.encode(), f"csrf:{chosen}".encode(), hashlib.sha256).hexdigest()
    plant(browser, "phananh_csrf", chosen)
    r = await browser.post("/dang-nhap", data={"csrf_token": matching, "username": "dispatcher",
                                               "password": DEMO_PASSWORD})
    assert r.status_code == 403
    assert "phananh_session" not in browser.cookies
    page = await browser.get("/dang-nhap")
    assert browser.cookies["phananh_csrf"] != chosen  # replaced by one the server signed
    assert FIELD.search(page.text).group(1) != matching


async def test_a_cookie_and_token_pair_from_another_browser_does_not_work_for_a_signed_in_one(app, browser):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as attacker:
        token = FIELD.search((await attacker.get("/dang-nhap")).text).group(1)
        cookie = attacker.cookies["phananh_csrf"]
    await sign_in(browser)
    plant(browser, "phananh_csrf", cookie)
    r = await browser.post("/dang-xuat", data={"csrf_token": token})
    assert r.status_code == 403
    assert (await browser.get("/portal")).status_code == 200  # still signed in


async def test_a_form_post_from_another_site_is_refused_even_with_a_valid_token(browser):
    token = FIELD.search((await browser.get("/dang-nhap")).text).group(1)
    fields = {"csrf_token": token, "username": "dispatcher", "password": DEMO_PASSWORD}
    r = await browser.post("/dang-nhap", data=fields, headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403
    r = await browser.post("/dang-nhap", data=fields, headers={"Sec-Fetch-Site": "same-origin"})
    assert r.status_code == 303


async def test_over_https_cookies_carry_the_host_prefix_and_plain_names_are_ignored(app, client):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver") as c:
        first = await c.get("/dang-nhap")
        set_cookies = first.headers.get_list("set-cookie")
        assert any(h.startswith("__Host-phananh_csrf=") and "Secure" in h and "Path=/" in h for h in set_cookies)
        assert not any(h.startswith("phananh_csrf=") for h in set_cookies)
        await sign_in(c)
        assert set(c.cookies.keys()) >= {"__Host-phananh_session", "__Host-phananh_csrf"}
        assert (await c.get("/portal")).status_code == 200
        # The REST API reads the prefixed cookie too, and wants the page's token for a write.
        report = await submit(client)
        token = await page_csrf(c)
        ok = await c.post(comment_url(report["id"]), json={"text": "https", "public": False},
                          headers={"X-CSRF-Token": token})
        assert ok.status_code == 200, ok.text
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver") as planted:
        plant(planted, "phananh_session", await api_token(client))  # not __Host-: could have been planted
        assert (await planted.get("/portal")).status_code == 303  # not signed in
        assert (await planted.get("/api/v1/auth/me")).status_code == 401
        plant(planted, "__Host-phananh_session", planted.cookies["phananh_session"])  # the control: same jar, prefixed
        assert (await planted.get("/api/v1/auth/me")).status_code == 200
