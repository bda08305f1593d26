"""The embedded scheduler: started by the app's lifespan when PHANANH_RUN_SWEEP is on, it flags within a tick."""

import asyncio

from phananh.app import create_app
from tests.support import submit

from .support import local
from .test_sla_sweep import _clock


async def test_the_server_sweeps_by_itself_when_run_sweep_is_on(client, settings, engine, clock):
    clock.set(local("2026-12-17 08:00"))  # distribute due 10:00
    rid = (await submit(client))["id"]
    server = create_app(settings.model_copy(update={"run_sweep": True, "sweep_interval_seconds": 0.05}))
    server.state.clock = lambda: local("2026-12-17 10:01")
    async with server.router.lifespan_context(server):
        for _ in range(200):
            if (await _clock(engine, rid, "distribute"))["overdue_flagged_at"] is not None:
                break
            await asyncio.sleep(0.05)
    assert (await _clock(engine, rid, "distribute"))["overdue_flagged_at"] == local("2026-12-17 10:01")


async def test_the_server_does_not_sweep_unless_asked(settings):
    assert settings.run_sweep is False
    server = create_app(settings)
    async with server.router.lifespan_context(server):
        assert not [t for t in asyncio.all_tasks() if "run_scheduler" in repr(t.get_coro())]
