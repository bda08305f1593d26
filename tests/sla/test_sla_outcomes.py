"""A report driven through return and reassign: every stage outcome checked against hand-computed values.

Wednesday 2026-12-02 is an ordinary working day (day_type: distribute 2 h, return 1 h, respond 4 h,
publish 2 h).
"""

from datetime import datetime

from tests.support import AGENCY, OTHER_AGENCY, act, submit

from .support import local


async def test_return_and_reassign_judge_every_stage_on_time_or_late(client, tokens, clock):
    dispatcher = await tokens("dispatcher")
    clock.set(local("2026-12-02 09:00"))
    rid = (await submit(client))["id"]  # distribute #1 due 11:00
    clock.set(local("2026-12-02 10:30"))
    await act(client, rid, "assign", {"agency": OTHER_AGENCY}, dispatcher)  # return due 11:30, respond due 14:30
    clock.set(local("2026-12-02 11:45"))
    await act(client, rid, "return", {"reason": "Không thuộc thẩm quyền"}, await tokens(f"handler.{OTHER_AGENCY}"))
    clock.set(local("2026-12-02 14:00"))  # distribute #2 (from 11:45) was due 13:45
    await act(client, rid, "assign", {"agency": AGENCY}, dispatcher)  # return due 15:00, respond due 18:00
    clock.set(local("2026-12-02 14:10"))
    await act(client, rid, "log_contact", {"contact": "Giám đốc Sở Xây dựng", "channel": "phone",
                                           "outcome": "Đã báo"}, dispatcher)
    clock.set(local("2026-12-02 14:20"))
    handler = await tokens(f"handler.{AGENCY}")
    await act(client, rid, "respond", {"message": "Đã tiếp nhận"}, handler)
    clock.set(local("2026-12-02 15:00"))
    await act(client, rid, "resolve", {"result": "Đã vá ổ gà"}, handler)  # publish due 17:00
    clock.set(local("2026-12-02 17:30"))
    await act(client, rid, "publish", {}, dispatcher)

    r = await client.get(f"/api/v1/reports/{rid}/sla", headers=dispatcher)
    assert r.status_code == 200, r.text
    figures = r.json()
    stages = [
        (c["stage"], _local(c["started_at"]), _local(c["due_at"]), _local(c["stopped_at"]), c["outcome"],
         c["late_seconds"])
        for c in figures["clocks"]
    ]
    assert stages == [
        ("distribute", "09:00", "11:00", "10:30", "on_time", 0),
        ("return", "10:30", "11:30", "11:45", "late", 15 * 60),
        ("respond", "10:30", "14:30", "11:45", "void", None),  # returned: no verdict on the answer time
        ("distribute", "11:45", "13:45", "14:00", "late", 15 * 60),
        ("return", "14:00", "15:00", "14:20", "void", None),  # the window closes unused on respond
        ("respond", "14:00", "18:00", "14:20", "on_time", 0),
        ("publish", "15:00", "17:00", "17:30", "late", 30 * 60),
    ]
    assert figures["contact_seconds"] == 10 * 60  # from the latest assignment (14:00) to the contact (14:10)


async def test_contact_before_assignment_counts_as_immediate(client, tokens, clock):
    dispatcher = await tokens("dispatcher")
    clock.set(local("2026-12-03 08:00"))
    rid = (await submit(client))["id"]
    await act(client, rid, "log_contact", {"contact": "Lãnh đạo Sở", "channel": "phone", "outcome": "Đã báo"},
              dispatcher)
    figures = (await client.get(f"/api/v1/reports/{rid}/sla", headers=dispatcher)).json()
    assert figures["contact_seconds"] is None  # not assigned yet
    clock.set(local("2026-12-03 08:20"))
    await act(client, rid, "assign", {"agency": AGENCY}, dispatcher)
    figures = (await client.get(f"/api/v1/reports/{rid}/sla", headers=dispatcher)).json()
    assert figures["contact_seconds"] == 0


async def test_sla_figures_are_for_staff_who_may_see_the_report(client, tokens):
    rid = (await submit(client))["id"]
    assert (await client.get(f"/api/v1/reports/{rid}/sla")).status_code == 401
    r = await client.get(f"/api/v1/reports/{rid}/sla", headers=await tokens(f"handler.{AGENCY}"))
    assert r.status_code == 404  # not assigned to the handler's agency


def _local(value: str | None) -> str | None:
    if value is None:
        return None
    return datetime.fromisoformat(value).astimezone(local("2026-12-02 00:00").tzinfo).strftime("%H:%M")
