"""Who gets what, written to the outbox with the event that causes it."""

import uuid

from sqlalchemy import select

from phananh.directory import service as directory
from phananh.reports.tables import reports
from tests.support import AGENCY, OTHER_AGENCY, act, report_in_state, submit

from .support import outbox, rows

STAFF = ("in_app", "email")


def _each(kind, people, channels):
    return {(kind, who, channel) for who in people for channel in channels}


async def test_assigning_notifies_the_agency_handlers_and_leaders(client, tokens, engine):
    rid = (await submit(client))["id"]
    await act(client, rid, "assign", {"agency": AGENCY, "note": "Đề nghị xử lý trong ngày"}, await tokens("dispatcher"))
    assert await outbox(engine, rid) == _each("assigned", [f"handler.{AGENCY}", f"leader.{AGENCY}"], STAFF)
    (email, *_) = [r for r in await rows(engine, rid, "assigned") if r["channel"] == "email"]
    assert email["status"] == "pending" and email["event_id"] is not None
    assert "Ghi chú của Cổng TTĐT tỉnh: Đề nghị xử lý trong ngày" in email["body"]


async def test_an_urgent_report_reaches_the_suggested_agency_leaders_on_every_channel(client, tokens, engine):
    rid = (await submit(client, urgent_hint=True))["id"]
    await act(client, rid, "flag_urgent", {}, await tokens("dispatcher"))
    async with engine.connect() as conn:
        row = (await conn.execute(select(reports.c.category_id, reports.c.area_id).where(reports.c.id == rid))).one()
        suggested = (await directory.load(conn)).suggest_agency(row.category_id, row.area_id)
    leader = f"leader.{suggested['code']}"
    assert await outbox(engine, rid) == _each("urgent", [leader], ("in_app", "email", "sms"))
    (sms,) = [r for r in await rows(engine, rid, "urgent") if r["channel"] == "sms"]
    assert sms["address"].startswith("+84") and "KHẨN CẤP" in sms["body"]

    # Assigned elsewhere while urgent: that agency's leaders are told at once too.
    await act(client, rid, "assign", {"agency": OTHER_AGENCY}, await tokens("dispatcher"))
    assert _each("urgent", [f"leader.{OTHER_AGENCY}"], ("in_app", "email", "sms")) <= await outbox(engine, rid, "urgent")


async def test_flagging_an_assigned_report_urgent_notifies_that_agency_leaders(client, tokens, engine):
    rid = (await report_in_state(client, tokens, "assigned"))["id"]
    await act(client, rid, "flag_urgent", {"reason": "Nguy hiểm đến tính mạng"}, await tokens("dispatcher"))
    assert await outbox(engine, rid, "urgent") == _each("urgent", [f"leader.{AGENCY}"], ("in_app", "email", "sms"))
    (email,) = [r for r in await rows(engine, rid, "urgent") if r["channel"] == "email"]
    assert "Lý do: Nguy hiểm đến tính mạng" in email["body"]


async def test_a_return_notifies_the_dispatchers(client, tokens, engine):
    rid = (await report_in_state(client, tokens, "returned"))["id"]
    assert await outbox(engine, rid, "returned") == _each("returned", ["dispatcher"], STAFF)
    (email,) = [r for r in await rows(engine, rid, "returned") if r["channel"] == "email"]
    assert email["body"].startswith("Sở Xây dựng đã chuyển trả phản ánh PA-")
    assert "Lý do: Sai thẩm quyền" in email["body"]


async def test_the_reporter_hears_of_the_response_and_the_result_in_vietnamese(client, tokens, engine):
    address = f"bay.{uuid.uuid4().hex[:8]}@example.vn"
    rid = (await submit(client, reporter={"name": "Nguyễn Văn Bảy", "phone": "0912345678", "email": address}))["id"]
    await act(client, rid, "assign", {"agency": AGENCY}, await tokens("dispatcher"))
    await act(client, rid, "respond", {"message": "Đã cử cán bộ kiểm tra hiện trường"}, await tokens(f"handler.{AGENCY}"))
    await act(client, rid, "resolve", {"result": "Đã vá ổ gà"}, await tokens(f"handler.{AGENCY}"))
    await act(client, rid, "publish", {"public_text": "Sở Xây dựng đã vá ổ gà."}, await tokens("dispatcher"))
    assert {n for n in await outbox(engine, rid) if n[1] == address} == {
        ("responded", address, "email"), ("published", address, "email")}
    (responded,) = await rows(engine, rid, "responded")
    assert responded["subject"].endswith("của bạn đã được phản hồi")
    assert "Đã cử cán bộ kiểm tra hiện trường" in responded["body"]
    (published,) = await rows(engine, rid, "published")
    assert "Sở Xây dựng đã vá ổ gà." in published["body"]


async def test_a_report_filed_in_english_is_answered_in_english_by_sms_without_email(client, tokens, engine):
    rid = (await submit(client, language="en", reporter={"name": "Tourist", "phone": "+447700900123"}))["id"]
    await act(client, rid, "reject", {"reason": "Out of scope"}, await tokens("dispatcher"))
    assert await outbox(engine, rid) == {("rejected", "+447700900123", "sms")}
    (sms,) = await rows(engine, rid, "rejected")
    assert sms["subject"].startswith("Your report PA-") and sms["subject"].endswith("was not accepted")


async def test_an_anonymous_reporter_gets_nothing(client, tokens, engine):
    rid = (await submit(client, anonymous=True, reporter=None, consent=False))["id"]
    await act(client, rid, "reject", {"reason": "Trùng lặp"}, await tokens("dispatcher"))
    assert await outbox(engine, rid) == set()


async def test_in_app_notifications_are_listed_and_marked_read_by_their_recipient(client, tokens, engine):
    rid = (await report_in_state(client, tokens, "assigned"))["id"]
    leader, handler = await tokens(f"leader.{AGENCY}"), await tokens(f"handler.{AGENCY}")
    listed = (await client.get("/api/v1/notifications", params={"unread": True, "page_size": 100}, headers=leader)).json()
    (item,) = [i for i in listed["items"] if i["report_id"] == rid]
    assert item["kind"] == "assigned" and item["subject"].startswith("[PA-") and item["read_at"] is None
    assert item["report_code"] in item["subject"]
    assert listed["unread_count"] >= 1

    assert (await client.post(f"/api/v1/notifications/{item['id']}/read", headers=handler)).status_code == 404
    r = await client.post(f"/api/v1/notifications/{item['id']}/read", headers=leader)
    assert r.status_code == 200 and r.json()["read_at"] is not None
    unread = (await client.get("/api/v1/notifications", params={"unread": True, "page_size": 100}, headers=leader)).json()
    assert item["id"] not in [i["id"] for i in unread["items"]]
    assert unread["unread_count"] == listed["unread_count"] - 1
    assert (await client.post("/api/v1/notifications/read-all", headers=leader)).status_code == 200
    assert (await client.get("/api/v1/notifications", headers=leader)).json()["unread_count"] == 0
    assert (await client.get("/api/v1/notifications")).status_code == 401
