"""The calendar and SLA policy admin API: an admin's edit moves the deadlines of running clocks."""

from datetime import date, datetime

from sqlalchemy import select

from phananh.sla import service as sla
from phananh.sla.scheduled import sweep
from phananh.sla.tables import sla_clocks
from tests.support import submit

from .support import CA_MAU_PACK, local

CALENDAR = "/api/v1/admin/calendar"
POLICY = "/api/v1/admin/sla-policy"


async def _distribute_due(client, report_id, headers) -> datetime:
    r = await client.get(f"/api/v1/reports/{report_id}", headers=headers)
    assert r.status_code == 200, r.text
    (clock,) = [d for d in r.json()["deadlines"] if d["stage"] == "distribute"]
    return datetime.fromisoformat(clock["due_at"])


async def test_admin_adds_a_make_up_saturday_and_a_running_deadline_moves(client, tokens, clock):
    admin, dispatcher = await tokens("admin"), await tokens("dispatcher")
    clock.set(local("2027-03-13 09:00"))  # an ordinary Saturday: day off, 12 h to distribute
    report = await submit(client)
    assert await _distribute_due(client, report["id"], dispatcher) == local("2027-03-13 21:00")
    try:
        r = await client.post(CALENDAR, json={"day": "2027-03-13", "kind": "working_day", "name": "Làm bù",
                                              "note": "Quyết định của UBND tỉnh"}, headers=admin)
        assert r.status_code == 201, r.text
        assert r.json()["source"] == "admin" and r.json()["changed_by"] == "admin"
        assert await _distribute_due(client, report["id"], dispatcher) == local("2027-03-13 11:00")
    finally:
        assert (await client.delete(f"{CALENDAR}/2027-03-13", headers=admin)).status_code == 200
    assert await _distribute_due(client, report["id"], dispatcher) == local("2027-03-13 21:00")


async def test_admin_removes_a_holiday_and_a_running_deadline_moves(client, tokens, clock):
    admin, dispatcher = await tokens("admin"), await tokens("dispatcher")
    clock.set(local("2027-11-24 09:00"))  # Wednesday, Ngày Văn hóa Việt Nam: a day off
    report = await submit(client)
    assert await _distribute_due(client, report["id"], dispatcher) == local("2027-11-24 21:00")
    try:
        r = await client.delete(f"{CALENDAR}/2027-11-24", headers=admin)
        assert r.status_code == 200, r.text
        assert r.json()["removed_at"] is not None
        assert await _distribute_due(client, report["id"], dispatcher) == local("2027-11-24 11:00")
        listed = (await client.get(CALENDAR, params={"year": 2027}, headers=dispatcher)).json()
        assert "2027-11-24" not in [row["day"] for row in listed["items"]]
    finally:
        r = await client.post(CALENDAR, json={"day": "2027-11-24", "kind": "day_off",
                                              "name": "Ngày Văn hóa Việt Nam"}, headers=admin)
        assert r.status_code == 200, r.text  # the removed row is restored in place
    assert await _distribute_due(client, report["id"], dispatcher) == local("2027-11-24 21:00")


async def test_a_removed_holiday_stays_removed_when_the_calendar_is_seeded_again(client, tokens, engine):
    admin = await tokens("admin")
    assert (await client.delete(f"{CALENDAR}/2028-04-30", headers=admin)).status_code == 200
    try:
        async with engine.begin() as conn:
            assert await sla.seed_calendar(conn, range(2028, 2029)) == 0
            _policy, calendar = await sla.load_rules(conn)
        assert calendar.declared(date(2028, 4, 30)) is None
        removed = (await client.get(CALENDAR, params={"year": 2028, "include_removed": True}, headers=admin)).json()
        assert [row["name"] for row in removed["items"] if row["day"] == "2028-04-30"] == ["Ngày Chiến thắng"]
    finally:
        await client.post(CALENDAR, json={"day": "2028-04-30", "kind": "day_off", "name": "Ngày Chiến thắng"},
                          headers=admin)


async def test_a_year_lists_holidays_and_make_up_days_with_vietnamese_names(client, tokens):
    r = await client.get(CALENDAR, params={"year": 2026}, headers=await tokens("dispatcher"))
    assert r.status_code == 200, r.text
    rows = {row["day"]: row for row in r.json()["items"]}
    assert rows["2026-09-02"]["name"] == "Quốc khánh" and rows["2026-09-02"]["kind"] == "day_off"
    assert rows["2026-08-22"]["kind"] == "working_day" and rows["2026-08-22"]["weekday"] == 6


async def test_only_an_admin_edits_the_calendar_and_the_policy(client, tokens):
    dispatcher, handler = await tokens("dispatcher"), await tokens("handler.so-xay-dung")
    body = {"day": "2027-03-20", "kind": "working_day", "name": "Làm bù"}
    assert (await client.post(CALENDAR, json=body, headers=dispatcher)).status_code == 403
    assert (await client.delete(f"{CALENDAR}/2027-09-02", headers=dispatcher)).status_code == 403
    assert (await client.put(POLICY, json=CA_MAU_PACK.to_dict(), headers=dispatcher)).status_code == 403
    assert (await client.get(CALENDAR, params={"year": 2027}, headers=handler)).status_code == 403
    assert (await client.get(POLICY)).status_code == 401


async def test_removing_a_date_without_a_declaration_is_not_found(client, tokens):
    r = await client.delete(f"{CALENDAR}/2027-03-17", headers=await tokens("admin"))
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


async def test_a_new_policy_version_moves_running_deadlines(client, tokens, clock):
    admin, dispatcher = await tokens("admin"), await tokens("dispatcher")
    clock.set(local("2027-03-10 09:00"))  # Wednesday
    report = await submit(client)
    before = (await client.get(POLICY, headers=dispatcher)).json()
    assert await _distribute_due(client, report["id"], dispatcher) == local("2027-03-10 11:00")
    slower = CA_MAU_PACK.to_dict()
    slower["limits"]["distribute"] = {"working_day": 180, "day_off": 720}
    try:
        r = await client.put(POLICY, json=slower, headers=admin)
        assert r.status_code == 200, r.text
        assert r.json()["version"] == before["version"] + 1 and r.json()["created_by"] == "admin"
        assert r.json()["limits"]["distribute"] == {"working_day": 180, "day_off": 720}
        assert await _distribute_due(client, report["id"], dispatcher) == local("2027-03-10 12:00")
        sla_view = (await client.get(f"/api/v1/reports/{report['id']}/sla", headers=dispatcher)).json()
        assert sla_view["clocks"][0]["policy_version"] == before["version"] + 1
    finally:
        restored = await client.put(POLICY, json=CA_MAU_PACK.to_dict(), headers=admin)
        assert restored.status_code == 200, restored.text
    assert await _distribute_due(client, report["id"], dispatcher) == local("2027-03-10 11:00")


async def test_a_policy_without_every_stage_is_refused_in_vietnamese(client, tokens):
    partial = CA_MAU_PACK.to_dict()
    del partial["limits"]["publish"]
    r = await client.put(POLICY, json=partial, headers=await tokens("admin"))
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_policy"
    assert r.json()["error"]["message"].startswith("Chính sách thời hạn không hợp lệ")


async def test_an_overdue_flag_is_cleared_when_a_new_day_off_moves_the_deadline_later(client, tokens, engine, clock):
    admin, dispatcher = await tokens("admin"), await tokens("dispatcher")
    clock.set(local("2027-03-24 09:00"))  # Wednesday: distribute due 11:00
    rid = (await submit(client))["id"]
    await sweep(engine, now=local("2027-03-24 11:05"))
    assert (await _distribute_clock(engine, rid))["overdue_flagged_at"] == local("2027-03-24 11:05")
    try:
        r = await client.post(CALENDAR, json={"day": "2027-03-24", "kind": "day_off", "name": "Nghỉ bão"}, headers=admin)
        assert r.status_code == 201, r.text
        clock_row = await _distribute_clock(engine, rid)
        assert clock_row["due_at"] == local("2027-03-24 21:00") and clock_row["overdue_flagged_at"] is None
        await sweep(engine, now=local("2027-03-24 11:10"))
        assert (await _distribute_clock(engine, rid))["overdue_flagged_at"] is None
        await sweep(engine, now=local("2027-03-24 21:01"))
        assert (await _distribute_clock(engine, rid))["overdue_flagged_at"] == local("2027-03-24 21:01")
    finally:
        await client.delete(f"{CALENDAR}/2027-03-24", headers=admin)
    inbox = (await client.get("/api/v1/notifications", params={"page_size": 100}, headers=dispatcher)).json()
    overdue = [i["body"] for i in inbox["items"] if i["report_id"] == rid and i["kind"] == "overdue"]
    assert [body.rsplit(" lúc ", 1)[1] for body in overdue] == ["21:00 24/03/2027.", "11:00 24/03/2027."]


async def _distribute_clock(engine, report_id):
    async with engine.connect() as conn:
        return (await conn.execute(select(sla_clocks).where(sla_clocks.c.report_id == report_id,
                                                            sla_clocks.c.stage == "distribute"))).mappings().one()
