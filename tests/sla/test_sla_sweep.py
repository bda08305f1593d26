"""The sweep: at-risk and overdue flags, and their notifications, appear once each — also with two sweepers."""

import asyncio
from datetime import timedelta

from sqlalchemy import func, select

from phananh.auth.tables import users
from phananh.db import create_engine
from phananh.notifications.tables import notifications
from phananh.sla.scheduled import flag_statement, sweep
from phananh.sla.tables import sla_clocks
from tests.support import AGENCY, act, submit

from .support import local


async def _clock(engine, report_id, stage):
    async with engine.connect() as conn:
        return (await conn.execute(select(sla_clocks).where(sla_clocks.c.report_id == report_id,
                                                            sla_clocks.c.stage == stage,
                                                            sla_clocks.c.stopped_at.is_(None)))).mappings().one()


async def _notices(engine, report_id) -> list[tuple[str, str, int]]:
    """(kind, channel, how many) per kind and channel for the dispatcher user."""
    n = notifications.c
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(n.kind, n.channel, func.count()).where(
                n.report_id == report_id, n.kind.in_(["at_risk", "overdue"]),
                # other tests in the session add dispatchers of their own (who are notified too): count the demo one's
                n.recipient_user_id == select(users.c.id).where(users.c.username == "dispatcher").scalar_subquery())
            .group_by(n.kind, n.channel).order_by(n.kind, n.channel)
        )
        return [tuple(r) for r in rows]


async def test_at_risk_then_overdue_are_flagged_and_notified_once_each(client, tokens, engine, clock):
    clock.set(local("2026-12-09 09:00"))  # Wednesday: distribute due 11:00, at risk after 10:30
    rid = (await submit(client))["id"]
    await sweep(engine, now=local("2026-12-09 10:30"))
    assert (await _clock(engine, rid, "distribute"))["at_risk_flagged_at"] is None
    assert await _notices(engine, rid) == []

    await sweep(engine, now=local("2026-12-09 10:31"))
    await sweep(engine, now=local("2026-12-09 10:50"))
    flagged = await _clock(engine, rid, "distribute")
    assert flagged["at_risk_flagged_at"] == local("2026-12-09 10:31") and flagged["overdue_flagged_at"] is None
    assert await _notices(engine, rid) == [("at_risk", "in_app", 1)]  # the demo dispatcher, in-app

    await sweep(engine, now=local("2026-12-09 11:01"))
    await sweep(engine, now=local("2026-12-09 11:30"))
    flagged = await _clock(engine, rid, "distribute")
    assert flagged["overdue_flagged_at"] == local("2026-12-09 11:01")
    assert await _notices(engine, rid) == [("at_risk", "in_app", 1), ("overdue", "email", 1), ("overdue", "in_app", 1)]

    inbox = (await client.get("/api/v1/notifications", headers=await tokens("dispatcher"))).json()
    mine = [item for item in inbox["items"] if item["report_id"] == rid]
    assert [item["subject"].split("] ")[1] for item in mine] == ["Quá hạn phân phối", "Sắp đến hạn phân phối"]


async def test_an_overdue_agency_step_goes_to_the_agency_leaders(client, tokens, engine, clock):
    clock.set(local("2026-12-10 09:00"))
    rid = (await submit(client))["id"]
    await act(client, rid, "assign", {"agency": AGENCY}, await tokens("dispatcher"))  # respond due 13:00
    await act(client, rid, "respond", {"message": "Đã tiếp nhận"}, await tokens(f"handler.{AGENCY}"))
    await act(client, rid, "resolve", {"result": "Đã xử lý"}, await tokens(f"handler.{AGENCY}"))
    clock.set(local("2026-12-10 09:05"))
    rid2 = (await submit(client))["id"]
    await act(client, rid2, "assign", {"agency": AGENCY}, await tokens("dispatcher"))  # return 10:05, respond 13:05
    await sweep(engine, now=local("2026-12-10 13:06"))
    leader = (await client.get("/api/v1/notifications", headers=await tokens(f"leader.{AGENCY}"))).json()
    overdue = sorted(item["subject"] for item in leader["items"] if item["report_id"] == rid2 and item["kind"] == "overdue")
    assert [s.split("] ")[1] for s in overdue] == ["Quá hạn chuyển trả", "Quá hạn phản hồi"]
    assert not [item for item in leader["items"] if item["report_id"] == rid and item["kind"] == "overdue"]


async def test_two_sweepers_at_once_flag_each_clock_exactly_once(client, db_url, clock):
    clock.set(local("2026-12-14 08:00"))  # Monday: distribute due 10:00
    ids = [(await submit(client))["id"] for _ in range(24)]
    engines = [create_engine(db_url), create_engine(db_url)]
    try:
        for e in engines:  # connected beforehand, so that both really sweep at the same time
            async with e.connect():
                pass
        first, second = await asyncio.gather(*(sweep(e, now=local("2026-12-14 10:01"), batch=2) for e in engines))
        async with engines[0].connect() as conn:
            clock_ids = set((await conn.execute(select(sla_clocks.c.id).where(sla_clocks.c.report_id.in_(ids)))).scalars())
            n = notifications.c
            per_clock = (await conn.execute(
                select(n.report_id, n.recipient_user_id, n.channel, func.count())
                .where(n.report_id.in_(ids), n.kind == "overdue")
                .group_by(n.report_id, n.recipient_user_id, n.channel)
            )).all()
    finally:
        for e in engines:
            await e.dispose()
    mine_first, mine_second = clock_ids & set(first.overdue), clock_ids & set(second.overdue)
    assert mine_first | mine_second == clock_ids and not mine_first & mine_second
    assert {r.report_id for r in per_clock} == set(ids) and all(r[3] == 1 for r in per_clock)
    assert not (clock_ids & (set(first.at_risk) | set(second.at_risk)))  # overdue unseen: not also "at risk"


async def test_a_stopped_clock_is_never_flagged(client, tokens, engine, clock):
    clock.set(local("2026-12-15 08:00"))
    rid = (await submit(client))["id"]
    clock.set(local("2026-12-15 08:30"))
    await act(client, rid, "assign", {"agency": AGENCY}, await tokens("dispatcher"))
    await sweep(engine, now=local("2026-12-15 08:00") + timedelta(days=3))
    async with engine.connect() as conn:
        distribute = (await conn.execute(select(sla_clocks).where(sla_clocks.c.report_id == rid,
                                                                  sla_clocks.c.stage == "distribute"))).mappings().one()
    assert distribute["overdue_flagged_at"] is None and distribute["at_risk_flagged_at"] is None


async def test_one_sweep_statement_flags_at_most_a_batch(client, engine, clock):
    clock.set(local("2026-12-16 08:00"))
    for _ in range(3):
        await submit(client)
    async with engine.connect() as conn:
        async with conn.begin() as tx:
            flagged = (await conn.execute(flag_statement("overdue", local("2026-12-16 10:01"), batch=2))).all()
            await tx.rollback()
    assert len(flagged) == 2
