"""POST and GET service requests: same workflow and SLA as the web app, public fields only, the spec's filters."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

from PIL import Image

from tests.open311.conftest import BASE, get_request, post_request, request_form
from tests.support import act

PERSONAL = ("muoi.tran@example.vn", "0987654321", "Mười", "Trần", "acct-", "device-")


async def test_open311_report_reaches_the_portal_queue_with_its_clock_running(client, partner_key, tokens):
    [posted] = await post_request(client, partner_key)
    rid = posted["service_request_id"]
    r = await client.get("/api/v1/reports", params={"status": "received", "sort": "queue", "q": rid, "page_size": 5},
                         headers=await tokens("dispatcher"))
    [report] = r.json()["items"]
    assert report["code"] == rid and report["channel"] == "open311:fixmystreet-ca-mau"
    assert [d["stage"] for d in report["deadlines"]] == ["distribute"] and not report["deadlines"][0]["overdue"]
    assert report["reporter"] == {"name": "Thị Mười Trần", "phone": "0987654321", "email": "muoi.tran@example.vn"}
    assert "Nguy hiểm" in report["description"]  # the answer to the category's question, for the dispatcher
    item = await get_request(client, rid)
    assert item["status"] == "open" and item["expected_datetime"] is None  # nothing but its state before review
    await act(client, rid, "make_public", {}, headers=await tokens("dispatcher"))
    item = await get_request(client, rid)
    assert item["status"] == "open" and item["expected_datetime"]
    assert datetime.fromisoformat(item["expected_datetime"]) == datetime.fromisoformat(report["deadlines"][0]["due_at"]).replace(
        microsecond=0)


async def test_published_result_becomes_status_notes_and_closes_the_request(client, partner_key, tokens):
    [posted] = await post_request(client, partner_key)
    rid = posted["service_request_id"]
    dispatcher, handler = await tokens("dispatcher"), await tokens("handler.so-xay-dung")
    await act(client, rid, "assign", {"agency": "so-xay-dung"}, headers=dispatcher)
    await act(client, rid, "respond", {"message": "Đã cử đội kiểm tra hiện trường."}, headers=handler)
    item = await get_request(client, rid)
    assert (item["status"], item["status_notes"], item["agency_responsible"]) == ("open", None, "Sở Xây dựng")
    await act(client, rid, "make_public", {}, headers=dispatcher)
    item = await get_request(client, rid)
    assert (item["status"], item["status_notes"], item["agency_responsible"]) == (
        "open", "Đã cử đội kiểm tra hiện trường.", "Sở Xây dựng")
    await act(client, rid, "resolve", {"result": "Đã vá ổ gà ngày 02/12."}, headers=handler)
    assert (await get_request(client, rid))["status_notes"] == "Đã cử đội kiểm tra hiện trường."  # not yet public
    await act(client, rid, "publish", {}, headers=dispatcher)
    item = await get_request(client, rid)
    assert (item["status"], item["status_notes"], item["expected_datetime"]) == ("closed", "Đã vá ổ gà ngày 02/12.", None)


async def test_rejected_request_shows_the_reason_but_not_its_text(client, partner_key, tokens):
    dispatcher = await tokens("dispatcher")
    [unreviewed, reviewed] = [(await post_request(client, partner_key))[0] for _ in range(2)]
    await act(client, reviewed["service_request_id"], "make_public", {}, headers=dispatcher)
    for posted in (unreviewed, reviewed):
        await act(client, posted["service_request_id"], "reject",
                  {"reason": "Nội dung không thuộc phạm vi tiếp nhận"}, headers=dispatcher)
    item = await get_request(client, reviewed["service_request_id"])
    assert (item["status"], item["status_notes"], item["description"]) == (
        "closed", "Nội dung không thuộc phạm vi tiếp nhận", None)
    item = await get_request(client, unreviewed["service_request_id"])
    assert (item["status"], item["status_notes"], item["description"]) == ("closed", None, None)


async def test_no_open311_answer_carries_personal_data(client, partner_key, tokens):
    [posted] = await post_request(client, partner_key)
    rid = posted["service_request_id"]
    await act(client, rid, "assign", {"agency": "so-xay-dung"}, headers=await tokens("dispatcher"))
    await act(client, rid, "make_public", {}, headers=await tokens("dispatcher"))
    for path in (f"requests/{rid}", "requests", "servicerequestupdates"):
        for fmt in ("xml", "json"):
            r = await client.get(f"{BASE}/{path}.{fmt}", params={"extensions": "true"})
            assert r.status_code == 200 and rid in r.text
            assert not [p for p in PERSONAL if p in r.text], path


async def test_a_retried_post_gives_the_same_request(client, partner_key):
    form = request_form(device_id="may-cua-anh-ba")
    first = await client.post(f"{BASE}/requests.json", data={"api_key": partner_key, **form})
    again = await client.post(f"{BASE}/requests.json", params={"api_key": partner_key}, data=form)
    other = await client.post(f"{BASE}/requests.json", data={"api_key": partner_key, **form, "description": "Khác"})
    assert first.status_code == again.status_code == other.status_code == 200
    assert first.json()[0]["service_request_id"] == again.json()[0]["service_request_id"]
    assert other.json()[0]["service_request_id"] != first.json()[0]["service_request_id"]


async def test_post_refuses_missing_or_revoked_keys(client, tokens, partner_key):
    admin = await tokens("admin")
    r = await client.post("/api/v1/admin/api-keys", json={"partner": "Ứng dụng thử"}, headers=admin)
    short_lived = r.json()
    assert (await client.post(f"{BASE}/requests.json", data={"api_key": short_lived["key"], **request_form()})
            ).status_code == 200
    await client.post(f"/api/v1/admin/api-keys/{short_lived['id']}/revoke", headers=admin)
    for data in ({"api_key": short_lived["key"]}, {"api_key": "pa311_doan-bua"}, {}):
        r = await client.post(f"{BASE}/requests.xml", data={**data, **request_form()})
        assert r.status_code == 403 and "<code>403</code>" in r.text
    r = await client.post(f"{BASE}/requests.json", data=request_form(), headers={"X-Api-Key": partner_key})
    assert r.status_code == 200


async def test_post_checks_the_request_as_the_spec_says(client, partner_key):
    cases = [
        ({"service_code": "khong-co"}, 404),
        ({"service_code": None}, 400),
        ({"lat": None, "long": None, "address_string": None}, 400),
        ({"lat": "9.17", "long": None}, 400),
        ({"attribute[muc-do]": None}, 400),  # required by the category
        ({"attribute[muc-do]": "rat-cao"}, 400),  # not one of its choices
        ({"attribute[kich-thuoc]": "hai mét"}, 400),
        ({"description": "x" * 4001}, 400),
        ({"address_id": "khong-co"}, 400),
        ({"jurisdiction_id": "hanoi.gov.vn"}, 404),
    ]
    for overrides, status in cases:
        r = await client.post(f"{BASE}/requests.json", data={"api_key": partner_key, **request_form(**overrides)})
        assert r.status_code == status, (overrides, r.text)
        assert r.json()[0]["code"] and r.json()[0]["description"]


async def test_post_accepts_what_real_clients_send(client, partner_key, tokens):
    # address alone, blank jurisdiction, multivaluelist answers, no identity (anonymous), api_key in the query
    form = request_form(lat=None, long=None, jurisdiction_id="", first_name=None, last_name=None, email=None,
                        phone=None)
    form["attribute[phuong-tien][]"] = ["xe-may", "o-to"]
    r = await client.post(f"{BASE}/requests.json", params={"api_key": partner_key}, data=form)
    assert r.status_code == 200, r.text
    await act(client, r.json()[0]["service_request_id"], "make_public", {}, headers=await tokens("dispatcher"))
    item = await get_request(client, r.json()[0]["service_request_id"])
    assert item["lat"] is None and item["address"].startswith("Đường Lý Thường Kiệt")
    r = await client.post(f"{BASE}/requests.json", json={"api_key": partner_key, "service_code": "dien-chieu-sang",
                                                          "address_id": "xa-dat-mui", "description": "Đèn tắt",
                                                          "attribute": {"ma-cot": "C12"}})
    assert r.status_code == 200, r.text
    await act(client, r.json()[0]["service_request_id"], "make_public", {}, headers=await tokens("dispatcher"))
    assert (await get_request(client, r.json()[0]["service_request_id"]))["address_id"] == "xa-dat-mui"


async def test_a_posted_photo_is_public_once_the_result_is(client, partner_key, tokens, engine, settings):
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "JPEG")
    r = await client.post(f"{BASE}/requests.json", data={"api_key": partner_key, **request_form()},
                          files={"media": ("o-ga.jpg", buf.getvalue(), "image/jpeg")})
    assert r.status_code == 200, r.text
    rid = r.json()[0]["service_request_id"]
    assert (await get_request(client, rid))["media_url"] is None
    dispatcher = await tokens("dispatcher")
    await act(client, rid, "assign", {"agency": "so-xay-dung"}, headers=dispatcher)
    await act(client, rid, "resolve", {"result": "Đã xử lý"}, headers=await tokens("handler.so-xay-dung"))
    await act(client, rid, "publish", {}, headers=dispatcher)
    url = (await get_request(client, rid))["media_url"]
    assert url.startswith("http://127.0.0.1:8000/api/v1/media/")  # PHANANH_PUBLIC_URL's default, not the Host
    from phananh.reports import derivatives

    await derivatives.process_due(engine, settings, limit=10_000)  # the worker makes the public copy (tests/privacy)
    photo = await client.get(url)
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"


async def test_a_partner_media_url_is_passed_through_once_reviewed(client, partner_key, tokens):
    [posted] = await post_request(client, partner_key, media_url="https://anh.example.vn/o-ga.jpg")
    assert (await get_request(client, posted["service_request_id"]))["media_url"] is None
    await act(client, posted["service_request_id"], "make_public", {}, headers=await tokens("dispatcher"))
    assert (await get_request(client, posted["service_request_id"]))["media_url"] == "https://anh.example.vn/o-ga.jpg"


async def test_get_requests_filters_by_id_code_status_and_dates(client, partner_key, tokens, clock):
    clock.set(datetime(2026, 6, 10, 3, 0, tzinfo=timezone.utc))
    [june] = await post_request(client, partner_key, service_code="dien-chieu-sang", **{"attribute[muc-do]": None})
    clock.set(datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc))
    [december] = await post_request(client, partner_key, service_code="dien-chieu-sang")
    [closed] = await post_request(client, partner_key)
    await act(client, closed["service_request_id"], "reject", {"reason": "Trùng lặp"}, headers=await tokens("dispatcher"))
    ids = {p["service_request_id"] for p in (june, december, closed)}

    async def listed(**params) -> set[str]:
        r = await client.get(f"{BASE}/requests.json", params=params)
        assert r.status_code == 200, r.text
        return {i["service_request_id"] for i in r.json()} & ids

    assert await listed() == {december["service_request_id"], closed["service_request_id"]}  # last 90 days
    assert await listed(service_request_id=",".join(ids)) == ids  # overrides the window
    assert await listed(service_code="dien-chieu-sang") == {december["service_request_id"]}
    assert await listed(status="closed") == {closed["service_request_id"]}
    assert await listed(status="open,closed", service_code="giao-thong,dien-chieu-sang") == ids - {june["service_request_id"]}
    assert await listed(start_date="2026-06-01T00:00:00+07:00", end_date="2026-06-30T00:00:00Z") == {
        june["service_request_id"]}
    assert await listed(start_date="2026-06-01") == {june["service_request_id"]}
    page_one = await client.get(f"{BASE}/requests.json", params={"page_size": 1})
    page_two = await client.get(f"{BASE}/requests.json", params={"page_size": 1, "page": 2})
    assert len(page_one.json()) == len(page_two.json()) == 1 and page_one.json() != page_two.json()
    for bad in ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, {"status": "pending"},
                {"start_date": "hôm qua"}, {"page_size": "5000"}):
        r = await client.get(f"{BASE}/requests.json", params=bad)
        assert r.status_code == 400 and r.json()[0]["code"] == 400, bad


async def test_unknown_request_and_private_report_are_not_found(client, tokens):
    from tests.support import submit

    private = await submit(client, visibility="private")
    for ref in ("PA-2026-999999999", "khong-phai-ma", private["code"]):
        r = await client.get(f"{BASE}/requests/{ref}.json")
        assert r.status_code == 404 and r.json()[0]["code"] == 404


async def test_updates_follow_the_report_for_fixmystreet(client, partner_key, tokens, clock):
    start = datetime.now(timezone.utc) - timedelta(seconds=1)
    [posted] = await post_request(client, partner_key)
    rid = posted["service_request_id"]
    dispatcher, handler = await tokens("dispatcher"), await tokens("handler.so-xay-dung")
    await act(client, rid, "assign", {"agency": "so-xay-dung"}, headers=dispatcher)
    await act(client, rid, "make_public", {}, headers=dispatcher)
    await act(client, rid, "return", {"reason": "Không thuộc thẩm quyền"}, headers=handler)
    await act(client, rid, "merge", {"into": (await post_request(client, partner_key))[0]["service_request_id"]},
              headers=dispatcher)
    r = await client.get(f"{BASE}/servicerequestupdates.json",
                         params={"start_date": start.isoformat(), "end_date": datetime.now(timezone.utc).isoformat()})
    mine = [u for u in r.json() if u["service_request_id"] == rid]
    assert [(u["status"], u["external_status_code"]) for u in mine] == [("investigating", "assigned"),
                                                                        ("duplicate", "merged")]
    assert mine[0]["description"] == "Sở Xây dựng" and mine[1]["description"].startswith("PA-")
