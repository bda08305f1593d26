"""No public payload carries a staff username (issue 11, ARCHITECTURE §5): the public and the reporter see a role or
an agency name. Every public surface is walked after a full lifecycle."""

import json

from tests.support import AGENCY, act, submit

STAFF_USERNAMES = ("dispatcher", f"handler.{AGENCY}", f"leader.{AGENCY}")
O311 = "/open311/v2"


def _walk(value, key=None):
    """(key, string) of every string in a JSON document, keys included."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield None, k
            yield from _walk(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v, key)
    elif isinstance(value, str):
        yield key, value


def _assert_no_username_in_json(url: str, doc) -> None:
    for key, text in _walk(doc):
        assert key != "username", f"{url}: a username: {text!r}"
        if key == "role":
            continue  # "dispatcher" is also the name of a role, which the public may see
        for name in STAFF_USERNAMES:
            assert name not in text, f"{url}: staff username {name!r} in {key}={text!r}"


def _assert_no_username_in_text(url: str, text: str) -> None:
    for name in (*STAFF_USERNAMES, "handler.", "leader."):
        assert name not in text, f"{url}: staff username {name!r}"


async def test_no_public_payload_names_a_staff_member_after_a_full_lifecycle(client, tokens):
    dispatcher, handler, leader = (await tokens("dispatcher"), await tokens(f"handler.{AGENCY}"),
                                   await tokens(f"leader.{AGENCY}"))
    created = await submit(client)
    rid, code, token = created["id"], created["code"], created["tracking_token"]
    await act(client, rid, "assign", {"agency": AGENCY, "note": "Giao Sở Xây dựng"}, dispatcher)
    await act(client, rid, "delegate", {"user": f"handler.{AGENCY}"}, leader)
    await act(client, rid, "flag_urgent", {"reason": "Nguy hiểm"}, dispatcher)
    await act(client, rid, "log_contact", {"contact": "Giám đốc Sở", "channel": "phone", "outcome": "Đã báo"},
              dispatcher)
    await act(client, rid, "respond", {"message": "Đơn vị đã tiếp nhận"}, handler)
    await act(client, rid, "comment", {"text": "Đang cử người kiểm tra", "public": True}, handler)
    await act(client, rid, "comment", {"text": "Ghi chú nội bộ", "public": False}, leader)
    await act(client, rid, "make_public", {}, dispatcher)
    await act(client, rid, "redact", {"public_title": "Ổ gà trên đường Lý Thường Kiệt"}, dispatcher)
    await act(client, rid, "resolve", {"result": "Đã vá ổ gà"}, handler)
    await act(client, rid, "publish", {}, dispatcher)
    await client.post(f"/api/v1/reports/{rid}/actions/rate", json={"score": 5, "comment": "Cảm ơn"},
                      headers={"X-Tracking-Token": token})
    await client.post(f"/api/v1/reports/{rid}/actions/comment", json={"text": "Rất nhanh", "public": True},
                      headers={"X-Tracking-Token": token})

    json_urls = [
        "/api/v1/reports?page_size=100", f"/api/v1/reports/{rid}", f"/api/v1/reports/{code}",
        f"/api/v1/reports/{rid}/events", f"/api/v1/track/{token}", "/api/v1/stats/public", "/api/v1/stats/map",
        f"{O311}/requests.json?page_size=1000&extensions=true", f"{O311}/requests/{code}.json?extensions=true",
        f"{O311}/servicerequestupdates.json", f"{O311}/tokens/{token}.json",
    ]
    events = None
    for url in json_urls:
        r = await client.get(url)
        assert r.status_code == 200, (url, r.text)
        _assert_no_username_in_json(url, r.json())
        if url.endswith("/events"):
            events = r.json()["items"]
    # The public still learns who acted: a role and, for agency staff, the agency's name.
    actors = {e["action"]: e["actor"] for e in events}
    assert actors["respond"] == {"role": "handler", "agency": "Sở Xây dựng", "username": None}
    assert actors["assign"]["role"] == "dispatcher" and actors["assign"].get("username") is None
    assert {"delegate", "log_contact", "redact", "flag_urgent"}.isdisjoint(actors)

    text_urls = [
        f"{O311}/requests.xml?page_size=1000&extensions=true", f"{O311}/requests/{code}.xml?extensions=true",
        f"{O311}/servicerequestupdates.xml", f"{O311}/tokens/{token}.xml",
        "/cong-khai", f"/cong-khai/{code}", f"/theo-doi/{token}",
    ]
    for url in text_urls:
        r = await client.get(url)
        assert r.status_code == 200, (url, r.text[:300])
        _assert_no_username_in_text(url, r.text)
    # Staff still see who did what.
    staff_events = (await client.get(f"/api/v1/reports/{rid}/events", headers=dispatcher)).json()["items"]
    assert {e["actor"].get("username") for e in staff_events} >= set(STAFF_USERNAMES)
    # There is no public live stream to leak through.
    assert (await client.get("/api/v1/stats/stream")).status_code == 401


async def test_the_reporter_sees_roles_and_agencies_not_usernames(client, tokens, citizen_token):
    r = await client.post("/api/v1/reports", headers=citizen_token, json={
        "category": "giao-thong", "description": "Đèn tín hiệu giao thông hỏng ở ngã tư.", "area": "phuong-an-xuyen",
        "consent": True, "reporter": {"name": "Người dân"}})
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    await act(client, rid, "assign", {"agency": AGENCY}, await tokens("dispatcher"))
    await act(client, rid, "respond", {"message": "Đã tiếp nhận"}, await tokens(f"handler.{AGENCY}"))
    for url in (f"/api/v1/reports/{rid}", f"/api/v1/reports/{rid}/events", "/api/v1/reports"):
        body = (await client.get(url, headers=citizen_token)).json()
        _assert_no_username_in_json(url, body)
    page = await client.get(f"/api/v1/reports/{rid}/events", headers=citizen_token)
    assert json.dumps(page.json(), ensure_ascii=False).count("Sở Xây dựng") >= 1
