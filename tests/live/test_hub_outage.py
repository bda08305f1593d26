"""Redis unreachable: the hub neither hangs a new stream nor raises into the publish after commit; it says that live
updates paused, logs the outage once, and the rate limits fall back to the database (no database needed here: the
fallback is a stand-in)."""

from __future__ import annotations

import asyncio
import logging
import time

from phananh.live.hub import Hub
from phananh.security.limits import Counter, RedisCounters
from tests.ops.test_health import closed_port


async def test_a_stream_subscribing_without_redis_is_answered_at_once_and_told_updates_paused():
    hub = Hub(f"redis://127.0.0.1:{closed_port()}/0")
    try:
        started = time.monotonic()
        async with hub.subscribe() as queue:
            waited = time.monotonic() - started
            assert waited < 1.6, f"subscribing without Redis took {waited:.1f} s"
            assert hub.paused and hub.state == "paused"
            message = await asyncio.wait_for(queue.get(), 1)
            assert message == {"type": "live", "state": "paused"}
    finally:
        await hub.close()


async def test_publishing_without_redis_drops_the_message_and_logs_the_outage_once(caplog):
    hub = Hub(f"redis://127.0.0.1:{closed_port()}/0")
    caplog.set_level(logging.WARNING, logger="phananh.live.hub")
    try:
        for n in range(5):
            await hub.publish({"type": "report_event", "report_id": n})  # tries Redis each time, never raises
    finally:
        await hub.close()
    warnings = [r for r in caplog.records if r.name == "phananh.live.hub"]
    assert len(warnings) == 1 and "live: Redis unreachable" in warnings[0].getMessage()
    assert all(r.exc_info is None for r in warnings), "an outage is one line, not a traceback"


class StandInCounters:
    def __init__(self):
        self.calls = 0

    async def acquire(self, wanted, *, consume):
        self.calls += 1
        return 0.0

    async def close(self):
        pass


async def test_rate_limits_are_counted_in_the_database_while_redis_is_unreachable(caplog):
    stand_in = StandInCounters()
    counters = RedisCounters(f"redis://127.0.0.1:{closed_port()}/0", fallback=lambda: stand_in)
    caplog.set_level(logging.WARNING, logger="phananh.security")
    try:
        for _ in range(3):
            assert await counters.acquire([Counter("submit_per_ip:x:60", 10, 60, 1)], consume=True) == 0.0
    finally:
        await counters.close()
    assert stand_in.calls == 3
    assert sum("limits: Redis unreachable" in r.getMessage() for r in caplog.records) == 1
