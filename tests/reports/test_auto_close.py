"""The system closes a published report after `close_after_days`, and only then."""

from datetime import timedelta

from phananh.reports.scheduled import close_published
from tests.support import report_in_state


async def test_system_closes_reports_published_long_enough_ago(client, tokens, clock, engine, settings):
    real_now = clock()
    clock.set(real_now - timedelta(days=settings.close_after_days, hours=1))
    old = await report_in_state(client, tokens, "published")
    clock.set(real_now - timedelta(days=settings.close_after_days - 1))
    recent = await report_in_state(client, tokens, "published")
    clock.fixed = None

    closed = await close_published(engine, now=real_now, settings=settings)
    assert old["id"] in closed and recent["id"] not in closed
    dispatcher = await tokens("dispatcher")
    assert (await client.get(f"/api/v1/reports/{old['id']}", headers=dispatcher)).json()["status"] == "closed"
    assert (await client.get(f"/api/v1/reports/{recent['id']}", headers=dispatcher)).json()["status"] == "published"
    last = (await client.get(f"/api/v1/reports/{old['id']}/events", headers=dispatcher)).json()["items"][-1]
    assert (last["action"], last["actor"]["role"]) == ("close", "system")
    # a second pass finds nothing more to do
    assert old["id"] not in await close_published(engine, now=real_now, settings=settings)
