"""A code or id that names nothing — too big for its column, negative, zero — is a 404 everywhere, never a 500."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.conftest import DEMO_PASSWORD
from tests.support import act, report_in_state, submit

BAD = ["PA-2026-99999999999999999999", "99999999999999999999", "9223372036854775808", "2147483648", "-1", "0"]
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')

# (method, path with {ref}, who: None = anonymous, a demo username, or "tracking" = the reporter's token)
API = [
    ("GET", "/api/v1/reports/{ref}", None),
    ("GET", "/api/v1/reports/{ref}", "dispatcher"),
    ("GET", "/api/v1/reports/{ref}/events", None),
    ("GET", "/api/v1/reports/{ref}/sla", "dispatcher"),
    ("POST", "/api/v1/reports/{ref}/actions/rate", "tracking"),
    ("POST", "/api/v1/reports/{ref}/actions/comment", "dispatcher"),
    ("GET", "/api/v1/track/{ref}", None),
    ("POST", "/api/v1/track", None),  # {"code": ref, "phone_last4"}
    ("GET", "/api/v1/media/{ref}", None),
    ("GET", "/api/v1/media/{ref}/original", "dispatcher"),
    ("POST", "/api/v1/notifications/{ref}/read", "dispatcher"),
    ("POST", "/api/v1/admin/api-keys/{ref}/revoke", "admin"),
    ("GET", "/open311/v2/requests/{ref}.json", None),
    ("GET", "/open311/v2/requests/{ref}.xml", None),
    ("GET", "/open311/v2/requests/{ref}", None),
    ("GET", "/open311/v2/tokens/{ref}.json", None),
]
PAGES = [
    ("GET", "/cong-khai/{ref}", None),
    ("GET", "/theo-doi/{ref}", None),
    ("GET", "/cua-toi/{ref}", "citizen"),
    ("POST", "/cua-toi/{ref}/danh-gia", "citizen"),
    ("GET", "/portal/phan-anh/{ref}", "dispatcher"),
    ("POST", "/portal/phan-anh/{ref}/comment", "dispatcher"),
    ("GET", "/agency/phan-anh/{ref}", "handler.so-xay-dung"),
    ("POST", "/agency/phan-anh/{ref}/respond", "handler.so-xay-dung"),
    ("POST", "/admin/khoa-api/{ref}/thu-hoi", "admin"),
]


@pytest.fixture(scope="module")
async def tracked(client) -> dict:
    return await submit(client)


@pytest.mark.parametrize("ref", BAD)
@pytest.mark.parametrize("method,path,who", API, ids=[f"{m} {p} {w or 'anon'}" for m, p, w in API])
async def test_api_answers_404_to_an_id_that_names_nothing(client, tokens, tracked, method, path, who, ref):
    headers = {}
    if who == "tracking":
        headers["X-Tracking-Token"] = tracked["tracking_token"]
    elif who:
        headers.update(await tokens(who))
    body = {"score": 5} if path.endswith("rate") else {"text": "Ghi chú", "public": False}
    if path == "/api/v1/track":
        body = {"code": ref, "phone_last4": "5678"}
    r = await client.request(method, path.format(ref=ref), headers=headers,
                             json=body if method == "POST" else None)
    assert r.status_code == 404, r.text
    if path.startswith("/api/"):
        error = r.json()["error"]
        assert error["code"] == "not_found" and error["message"].startswith("Không tìm thấy"), r.text


async def _browser(app, who: str | None, citizen: dict) -> tuple[httpx.AsyncClient, str]:
    c = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    token = TOKEN.search((await c.get("/dang-nhap")).text).group(1)
    if who == "citizen":  # the web session cookie holds the same bearer token as the API
        c.cookies.set("phananh_session", citizen["Authorization"].split(" ", 1)[1])
        token = TOKEN.search((await c.get("/cong-khai")).text).group(1)
    elif who:
        r = await c.post("/dang-nhap", data={"csrf_token": token, "username": who, "password": DEMO_PASSWORD})
        assert r.status_code == 303, r.text[:300]
        token = TOKEN.search((await c.get("/cong-khai")).text).group(1)
    return c, token


@pytest.mark.parametrize("method,path,who", PAGES, ids=[f"{m} {p} {w or 'anon'}" for m, p, w in PAGES])
async def test_pages_answer_404_to_an_id_that_names_nothing(app, citizen_token, method, path, who):
    c, token = await _browser(app, who, citizen_token)
    try:
        for ref in BAD:
            r = await c.request(method, path.format(ref=ref),
                                data={"csrf_token": token, "text": "x", "message": "x", "score": "5"}
                                if method == "POST" else None, follow_redirects=True)
            assert r.status_code == 404, f"{method} {path.format(ref=ref)}: {r.status_code} {r.text[:300]}"
    finally:
        await c.aclose()


@pytest.mark.parametrize("ref", BAD)
async def test_searches_and_merges_with_a_huge_code_find_nothing(client, tokens, ref):
    dispatcher = await tokens("dispatcher")
    r = await client.get("/api/v1/reports", params={"q": ref}, headers=dispatcher)
    assert r.status_code == 200, r.text  # a free-text search: "0" may well match a title
    if ref.startswith("PA-"):
        assert r.json()["total"] == 0
    r = await client.get("/open311/v2/requests.json", params={"service_request_id": ref})
    assert r.status_code == 200 and r.json() == [], r.text
    created = await submit(client)
    r = await client.post(f"/api/v1/reports/{created['id']}/actions/merge", json={"into": ref}, headers=dispatcher)
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_merge_target", r.text


async def test_a_real_code_still_works_everywhere(client, tokens):
    created = await report_in_state(client, tokens, "published")
    code = created["code"]
    assert (await client.get(f"/api/v1/reports/{code}")).status_code == 200
    assert (await client.get(f"/api/v1/reports/{created['id']}/events")).status_code == 200
    assert (await client.get(f"/open311/v2/requests/{code}.json")).status_code == 200
    await act(client, code, "comment", {"text": "Đã xem", "public": False}, headers=await tokens("dispatcher"))
