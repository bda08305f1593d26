"""Fan-out of committed events to the open streams of this process; across processes through Redis pub/sub.

Without Redis, `publish` hands the message straight to this process's subscribers. With Redis, it only
publishes to the channel, and one listener task per process hands every message of the channel (its own
included) to its subscribers, so each stream gets each event exactly once, whichever process served it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from contextlib import asynccontextmanager

log = logging.getLogger(__name__)
CHANNEL = "phananh:events"
QUEUE_SIZE = 256


class Hub:
    def __init__(self, redis_url: str | None = None, channel: str = CHANNEL):
        self.redis_url, self.channel = redis_url, channel
        self.subscribers: set[asyncio.Queue] = set()
        self._redis = None
        self._listener: asyncio.Task | None = None
        self._listening = asyncio.Event()

    async def publish(self, message: dict) -> None:
        if self.redis_url:
            await (await self._client()).publish(self.channel, json.dumps(message, ensure_ascii=False, default=str))
        else:
            self.fan_out(message)

    def fan_out(self, message: dict) -> None:
        for queue in list(self.subscribers):
            if queue.full():  # a stalled client: it loses the oldest message, and refetches anyway
                queue.get_nowait()
            queue.put_nowait(message)

    @asynccontextmanager
    async def subscribe(self):
        """A queue receiving every message published from now on, anywhere."""
        queue: asyncio.Queue = asyncio.Queue(QUEUE_SIZE)
        self.subscribers.add(queue)
        try:
            if self.redis_url:
                self._ensure_listener()
                await asyncio.wait_for(self._listening.wait(), timeout=10)
            yield queue
        finally:
            self.subscribers.discard(queue)

    async def _client(self):
        if self._redis is None:
            from redis import asyncio as aioredis

            self._redis = aioredis.from_url(self.redis_url)
        return self._redis

    def _ensure_listener(self) -> None:
        if self._listener is None or self._listener.done():
            self._listener = asyncio.create_task(self._listen(), name="phananh-live-redis")

    async def _listen(self) -> None:
        from redis import asyncio as aioredis

        delay = 0.2
        while True:
            client = aioredis.from_url(self.redis_url)
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                self._listening.set()
                delay = 0.2
                while True:
                    msg = await pubsub.get_message(timeout=5.0)
                    if msg and msg.get("type") == "message":
                        self.fan_out(json.loads(msg["data"]))
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis restarted or unreachable: keep trying; streams stay open meanwhile
                log.warning("live: Redis subscription lost, retrying in %.1fs", delay, exc_info=True)
                self._listening.clear()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
            finally:
                try:
                    await pubsub.aclose()
                    await client.aclose()
                except Exception:
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
