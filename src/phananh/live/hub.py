"""Fan-out of committed events to the open streams of this process; across processes through Redis pub/sub.

Without Redis, `publish` hands the message straight to this process's subscribers. With Redis, it only
publishes to the channel, and one listener task per process hands every message of the channel (its own
included) to its subscribers, so each stream gets each event exactly once, whichever process served it.

Redis going away stops live updates only: a publish that cannot reach it is dropped (the change is committed;
dashboards refetch when live updates resume), the listener reconnects with a backoff, and every stream is told
`{"type": "live", "state": "paused"}` when the subscription is lost and `"on"` when it is back. The outage costs
one warning in the log, not a traceback per event.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from phananh.ops.outage import Outage

log = logging.getLogger(__name__)
CHANNEL = "phananh:events"
QUEUE_SIZE = 256
PAUSED, ON = "paused", "on"
# How long a new stream waits for the first word of the subscription (up, or Redis unreachable) before it answers.
FIRST_STATE_SECONDS = 1.5
RECONNECT_MAX_SECONDS = 2.0
# Redis calls are bounded: a Redis that hangs instead of refusing must not hang the publishes or the listener.
REDIS_OPTIONS = {"socket_connect_timeout": 1.0, "socket_timeout": 2.0}


def live_state(state: str) -> dict:
    """The message that tells a stream whether live updates flow (`on`) or are paused (Redis unreachable)."""
    return {"type": "live", "state": state}


class Hub:
    def __init__(self, redis_url: str | None = None, channel: str = CHANNEL):
        self.redis_url, self.channel = redis_url, channel
        self.subscribers: set[asyncio.Queue] = set()
        self._redis = None
        self._listener: asyncio.Task | None = None
        self._first_state = asyncio.Event()  # the listener's first attempt ended: subscribed, or Redis unreachable
        self.paused = False  # this process's subscription to Redis is down: streams say so
        self._outage = Outage("live: Redis", log, consequence="live updates paused until it answers again")

    @property
    def state(self) -> str:
        return PAUSED if self.paused else ON

    async def publish(self, message: dict) -> None:
        """Hand `message` to every stream, in every process. With Redis unreachable it is dropped (never raised):
        the change it tells of is committed, and the streams, told that live updates paused, refetch later."""
        if not self.redis_url:
            self.fan_out(message)
            return
        from redis.exceptions import RedisError

        try:
            await (await self._client()).publish(self.channel, json.dumps(message, ensure_ascii=False, default=str))
        except (RedisError, OSError) as exc:
            self._outage.failed(exc)
        else:
            self._outage.recovered()

    def fan_out(self, message: dict) -> None:
        for queue in list(self.subscribers):
            if queue.full():  # a stalled client: it loses the oldest message, and refetches anyway
                queue.get_nowait()
            queue.put_nowait(message)

    @asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue]:
        """A queue receiving every message published from now on, anywhere, and the live state's changes. Never
        waits long: with Redis unreachable it yields within FIRST_STATE_SECONDS, `paused` (see `state`)."""
        queue: asyncio.Queue = asyncio.Queue(QUEUE_SIZE)
        self.subscribers.add(queue)
        try:
            if self.redis_url:
                self._ensure_listener()
                try:
                    await asyncio.wait_for(self._first_state.wait(), timeout=FIRST_STATE_SECONDS)
                except TimeoutError:  # no word yet (a slow Redis): paused until the subscription says otherwise
                    self._set_paused(True)
            yield queue
        finally:
            self.subscribers.discard(queue)

    def _set_paused(self, paused: bool) -> None:
        if paused != self.paused:
            self.paused = paused
            self.fan_out(live_state(self.state))

    async def _client(self):
        if self._redis is None:
            from redis import asyncio as aioredis

            self._redis = aioredis.from_url(self.redis_url, **REDIS_OPTIONS)
        return self._redis

    def _ensure_listener(self) -> None:
        if self._listener is None or self._listener.done():
            self._listener = asyncio.create_task(self._listen(), name="phananh-live-redis")

    async def _listen(self) -> None:
        from redis import asyncio as aioredis

        delay = 0.2
        while True:
            client = aioredis.from_url(self.redis_url, **REDIS_OPTIONS)
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                self._outage.recovered()
                self._set_paused(False)
                self._first_state.set()
                delay = 0.2
                while True:
                    msg = await pubsub.get_message(timeout=1.0)
                    if msg and msg.get("type") == "message":
                        self.fan_out(json.loads(msg["data"]))
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis restarted or unreachable: streams stay open, told that updates paused
                self._outage.failed(exc)
                self._set_paused(True)
                self._first_state.set()
                await asyncio.sleep(delay)
                delay = min(delay * 2, RECONNECT_MAX_SECONDS)
            finally:
                try:
                    await pubsub.aclose()
                    await client.aclose()
                except Exception:  # noqa: BLE001 - a connection already gone
                    pass

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            try:
                await self._listener
            except (asyncio.CancelledError, Exception):
                pass
            self._listener = None
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None
