"""Two staff acting on the same report at once: exactly one wins, the other gets 409."""

import asyncio

import pytest
from sqlalchemy import func, select

from phananh.auth.principal import Principal
from phananh.errors import DomainError, http_status
from phananh.reports import service
from phananh.reports.tables import events
from phananh.workflow import Role
from tests.support import submit


async def test_two_real_transactions_racing_one_wins_the_other_gets_409(client, engine, settings, app):
    created = await submit(client)
    rid = created["id"]
    dispatcher = Principal(role=Role.dispatcher, username="dispatcher")
    now = app.state.clock()

    first = await engine.connect()
    second = await engine.connect()
    try:
        await first.begin()
        await service.apply_action(first, report_id=rid, action="assign", body={"agency": "so-y-te"},
                                   principal=dispatcher, now=now, settings=settings)
        # The second transaction starts while the first holds its change uncommitted.
        racer = asyncio.create_task(_assign(second, rid, "so-xay-dung", dispatcher, now, settings))
        await asyncio.sleep(0.3)
        assert not racer.done(), "the second writer must wait for the first"
        await first.commit()
        outcome = await asyncio.wait_for(racer, 30)
    finally:
        await first.close()
        await second.close()
    assert outcome == 409
    async with engine.connect() as conn:
        assigns = (await conn.execute(select(events.c.payload).where(events.c.report_id == rid,
                                                                     events.c.action == "assign"))).all()
    assert [a.payload["agency"] for a in assigns] == ["so-y-te"]


async def _assign(conn, rid, agency, principal, now, settings) -> int:
    await conn.begin()
    try:
        await service.apply_action(conn, report_id=rid, action="assign", body={"agency": agency},
                                   principal=principal, now=now, settings=settings)
        await conn.commit()
        return 200
    except DomainError as exc:  # the service's Conflict, as the API answers it
        await conn.rollback()
        return http_status(exc)


@pytest.mark.parametrize("n", [8])
async def test_many_concurrent_requests_through_the_api_exactly_one_succeeds(n, client, tokens, engine):
    created = await submit(client)
    h = await tokens("dispatcher")
    answers = await asyncio.gather(*[
        client.post(f"/api/v1/reports/{created['id']}/actions/reject", json={"reason": f"Lý do {i}"}, headers=h)
        for i in range(n)
    ])
    codes = sorted(a.status_code for a in answers)
    assert codes == [200] + [409] * (n - 1)
    async with engine.connect() as conn:
        rejects = (await conn.execute(select(func.count()).select_from(events).where(
            events.c.report_id == created["id"], events.c.action == "reject"))).scalar()
    assert rejects == 1
