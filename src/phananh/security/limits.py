"""Abuse limits shared by every process and server (issue 11): named budgets counted in Redis or the database.

A budget is the setting `PHANANH_LIMIT_<NAME>` in the `limits` notation ("1/minute;5/hour;10/day"), parsed by
the `limits` library; "" switches it off. Each limit of a budget is a **fixed window that starts at the key's
first hit** (a burst cannot straddle a clock boundary to get twice the amount), and a hit takes its cost from
every window of every budget it charges, or from none: a refused request consumes nothing, so a flood in the
first minute does not spend the day's budget. One round trip per hit: a Lua script in Redis when
`PHANANH_REDIS_URL` is set, else one upsert on the `rate_counters` table (PostgreSQL or SQLite). Either way every
process and server of an install shares the counts, and they survive a restart.

The `limits` library's own storages are not used: they take a round trip per window, keep what a refused hit
took from the other windows, and its moving window stores one entry per unit (a byte budget would be millions).

    await hit(request, "otp_request_per_phone", phone)   # 429 rate_limited + Retry-After when over
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import logging
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from limits import parse_many
from sqlalchemy import text
from sqlalchemy.engine import make_url

from phananh.errors import ApiError

log = logging.getLogger("phananh.security")

Charge = tuple[str, str, int]  # (budget name, key, cost)
REDIS_PREFIX = "phananh:limit:"
MEGABYTE = 1_000_000  # the unit of the media budgets
PURGE_EVERY_MS = 600_000  # ended windows are deleted from the table at most this often per process
PG_POOL_SIZE = 8  # the limiter's own PostgreSQL connections per process (see DatabaseCounters)


# --- Budgets -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counter:
    """One window of one budget for one key, and what this hit would take from it."""

    key: str
    amount: int
    seconds: int
    cost: int


@lru_cache(maxsize=256)
def parse_budget(notation: str) -> tuple[tuple[int, int], ...]:
    """(amount, seconds) of each limit in the `limits` notation; () for "". ValueError when malformed."""
    if not notation.strip():
        return ()
    return tuple((item.amount, item.get_expiry()) for item in parse_many(notation))


def budget(settings, name: str) -> tuple[tuple[int, int], ...]:
    notation = getattr(settings, f"limit_{name}", None)
    if notation is None:
        raise KeyError(f"no budget setting PHANANH_LIMIT_{name.upper()}")
    return parse_budget(notation)


def check_settings(settings) -> None:
    """Refuse to start with a malformed budget or proxy list (a typo would otherwise show at the first request)."""
    for field in type(settings).model_fields:
        if field.startswith("limit_"):
            try:
                parse_budget(getattr(settings, field))
            except ValueError as exc:
                raise ValueError(f"PHANANH_{field.upper()}: {exc}") from None
    trusted_networks(settings.trusted_proxies)


def counters(settings, charges: Iterable[Charge]) -> list[Counter]:
    out = []
    for name, key, cost in charges:
        if len(key) > 100:
            key = hashlib.sha256(key.encode()).hexdigest()
        for amount, seconds in budget(settings, name):
            out.append(Counter(f"{name}:{seconds}:{key}", amount, seconds, cost))
    return out


# --- Client address ------------------------------------------------------------------------------------------


@lru_cache(maxsize=16)
def trusted_networks(proxies: str) -> tuple:
    """The networks of `PHANANH_TRUSTED_PROXIES` (IPs or CIDRs, comma separated)."""
    try:
        return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies.split(",") if p.strip())
    except ValueError as exc:
        raise ValueError(f"PHANANH_TRUSTED_PROXIES: {exc}") from None


def _trusted(address: str, networks: tuple) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_ip(request) -> str:
    """The client's address: the peer's, or behind trusted proxies the last X-Forwarded-For hop that is not
    one of them (read right to left: the entries left of it were written by the client and prove nothing)."""
    client = request.client.host if request.client else ""
    networks = trusted_networks(request.app.state.settings.trusted_proxies)
    if networks and _trusted(client, networks):
        hops = ",".join(request.headers.getlist("x-forwarded-for")).split(",")
        for hop in reversed(hops):
            if not _trusted(client, networks):
                break
            try:
                client = str(ipaddress.ip_address(hop.strip()))
            except ValueError:
                break
    return client or "unknown"


def ip_key(request) -> str:
    """The key of per-IP budgets: the client's IPv4 address, or its IPv6 /64 (one subscriber's whole prefix)."""
    ip = client_ip(request)
    if ":" in ip:
        try:
            return str(ipaddress.ip_network(f"{ip}/64", strict=False))
        except ValueError:
            pass
    return ip


# --- The API -------------------------------------------------------------------------------------------------


def too_many(wait_seconds: float) -> ApiError:
    seconds = max(1, math.ceil(wait_seconds))
    return ApiError(429, "rate_limited", "Too many requests: try again in {seconds} seconds.",
                    details={"retry_after": seconds}, headers={"Retry-After": str(seconds)}, seconds=seconds)


async def charge(request, charges: Iterable[Charge], *, consume: bool = True) -> None:
    """Take each charge's cost from its budget, all or nothing; 429 `rate_limited` (+Retry-After) when any
    window would go over. With `consume=False` only check."""
    app = request.app
    wanted = counters(app.state.settings, charges)
    if not wanted:
        return
    wait = await storage(app).acquire(wanted, consume=consume)
    if wait > 0:
        raise too_many(wait)


async def hit(request, name: str, key: str, *, cost: int = 1) -> None:
    """Consume `cost` of budget `name` for `key`; 429 when it would go over (then nothing is consumed)."""
    await charge(request, [(name, key, cost)])


async def check(request, name: str, key: str, *, cost: int = 1) -> None:
    """429 when `cost` more would go over budget `name` for `key`; consumes nothing."""
    await charge(request, [(name, key, cost)], consume=False)


async def clear(request, name: str, key: str) -> None:
    """Forget what `key` used of budget `name` (e.g. the failures of a phone that then signed in)."""
    keys = [c.key for c in counters(request.app.state.settings, [(name, key, 1)])]
    if keys:
        await storage(request.app).clear(keys)


async def charge_submit(request, principal) -> None:
    """A report submit's budgets, charged before its body is read: anonymous per client IP, a signed-in citizen
    per account, staff none (a dispatcher types in hotline calls). Multipart uploads are charged their
    Content-Length in megabytes (rounded up); a chunked upload is charged after reading (`charge_media`)."""
    if principal.is_staff:
        return
    who, key = ("ip", ip_key(request)) if principal.user_id is None else ("account", str(principal.user_id))
    charges: list[Charge] = [(f"submit_per_{who}", key, 1)]
    headers = request.headers
    length = headers.get("content-length")
    if length and headers.get("content-type", "").startswith("multipart/"):
        megabytes = math.ceil(int(length) / MEGABYTE) if length.isdigit() else 0
        if megabytes:
            charges.append((f"media_per_{who}", key, megabytes))
    await charge(request, charges)


async def charge_media(request, principal, uploaded_bytes: int) -> None:
    """The media budget of an upload whose size was not announced (no Content-Length)."""
    if principal.is_staff or uploaded_bytes <= 0 or request.headers.get("content-length"):
        return
    who, key = ("ip", ip_key(request)) if principal.user_id is None else ("account", str(principal.user_id))
    await hit(request, f"media_per_{who}", key, cost=math.ceil(uploaded_bytes / MEGABYTE))


# --- Storages ------------------------------------------------------------------------------------------------


def storage(app) -> RedisCounters | DatabaseCounters:
    """The app's counter storage, made on first use (tests run apps without their lifespan)."""
    existing = getattr(app.state, "rate_counters", None)
    if existing is None:
        url = app.state.settings.redis_url
        existing = app.state.rate_counters = RedisCounters(url, fallback=lambda: DatabaseCounters(app)) \
            if url else DatabaseCounters(app)
    return existing


async def close(app) -> None:
    existing = getattr(app.state, "rate_counters", None)
    if existing is not None:
        app.state.rate_counters = None
        await existing.close()


def _now_ms() -> int:
    return int(time.time() * 1000)


# KEYS: the counters; ARGV: consume (1/0), then per counter cost, amount, window in ms. Returns the ms to wait
# (0: taken). All windows are checked before any is touched: all or nothing, atomically.
_LUA = """
local wait = 0
for i, key in ipairs(KEYS) do
  local cost, amount = tonumber(ARGV[3 * i - 1]), tonumber(ARGV[3 * i])
  if tonumber(redis.call('GET', key) or '0') + cost > amount then
    local left = redis.call('PTTL', key)
    if left < 0 then left = tonumber(ARGV[3 * i + 1]) end
    if left > wait then wait = left end
  end
end
if wait > 0 or ARGV[1] ~= '1' then return wait end
for i, key in ipairs(KEYS) do
  local cost = tonumber(ARGV[3 * i - 1])
  if redis.call('INCRBY', key, cost) == cost then redis.call('PEXPIRE', key, ARGV[3 * i + 1]) end
end
return 0
"""


class RedisCounters:
    """Counters in Redis: one script call (EVALSHA) per hit; a window's key expires with it.

    While Redis is unreachable the budgets are counted in the database instead (`fallback`, made on the first
    failure), so that submits go on and the limits still hold; the outage is one warning in the log. Counts
    taken meanwhile are not carried back into Redis: at worst a key gets one more window's worth."""

    def __init__(self, url: str, *, fallback: Callable[[], DatabaseCounters] | None = None):
        from redis import asyncio as aioredis

        from phananh.ops.outage import Outage

        # Bounded calls: a Redis that hangs must not hang every submit.
        self.redis = aioredis.from_url(url, socket_connect_timeout=1.0, socket_timeout=2.0)
        self.script = self.redis.register_script(_LUA)
        self._make_fallback = fallback
        self._fallback: DatabaseCounters | None = None
        self.outage = Outage("limits: Redis", log, consequence="abuse limits are counted in the database meanwhile")

    async def acquire(self, wanted: list[Counter], *, consume: bool) -> float:
        from redis.exceptions import RedisError

        if self._make_fallback is not None and not self.outage.should_try():
            return await self._fallback_counters().acquire(wanted, consume=consume)
        args: list[int] = [1 if consume else 0]
        for c in wanted:
            args += (c.cost, c.amount, c.seconds * 1000)
        try:
            waited = int(await self.script(keys=[REDIS_PREFIX + c.key for c in wanted], args=args)) / 1000
        except (RedisError, OSError) as exc:
            if self._make_fallback is None:
                raise
            self.outage.failed(exc)
            return await self._fallback_counters().acquire(wanted, consume=consume)
        self.outage.recovered()
        return waited

    def _fallback_counters(self) -> DatabaseCounters:
        if self._fallback is None:
            assert self._make_fallback is not None  # acquire() falls back only when it has one
            self._fallback = self._make_fallback()
        return self._fallback

    async def clear(self, keys: list[str]) -> None:
        from redis.exceptions import RedisError

        try:
            await self.redis.delete(*(REDIS_PREFIX + k for k in keys))
        except (RedisError, OSError) as exc:
            self.outage.failed(exc)
        if self._fallback is not None:
            await self._fallback.clear(keys)

    async def close(self) -> None:
        await self.redis.aclose()
        if self._fallback is not None:
            await self._fallback.close()


class DatabaseCounters:
    """Counters in the `rate_counters` table. A hit is one multi-row upsert whose conflict clause takes the cost
    only from windows that stay within their amount (ended windows start again); the rows it returns are the
    windows it took from. It takes from all of them or from none, so that concurrent hits never see another's
    partial take: on PostgreSQL one statement locks and checks the windows' rows before the upsert
    (`_pg_take_sql`); on SQLite, which has one writer at a time, a refusal rolls its transaction back.

    On PostgreSQL the statement runs alone, autocommitted, on the limiter's own small asyncpg pool with
    `synchronous_commit` off: a hot key's row lock (every anonymous submit from one carrier IP) is then held for
    the statement, not for the round trips of a transaction nor a WAL flush; a crash may forget the last few
    counts, which is harmless. On SQLite it has its own engine on the app's file.
    """

    def __init__(self, app):
        self.app = app
        self.pg = make_url(app.state.settings.database_url).get_backend_name() == "postgresql"
        self._pool = None
        self._engine = None
        self._pool_lock = asyncio.Lock()
        self._next_purge = 0

    async def acquire(self, wanted: list[Counter], *, consume: bool) -> float:
        now = _now_ms()
        never = [c.seconds for c in wanted if c.cost > c.amount]
        if never:  # more than a whole window allows: refused without writing
            return max(never)
        if not consume:
            return self._wait(wanted, await self._rows([c.key for c in wanted]), now)
        wanted = sorted(wanted, key=lambda c: c.key)  # one lock order for concurrent hits on the same keys
        taken = await self._take(wanted, now)
        if len(taken) == len(wanted):
            if now >= self._next_purge:
                self._next_purge = now + PURGE_EVERY_MS
                await self._execute('DELETE FROM rate_counters WHERE window_end_ms < :now', [{"now": now}])
            return 0
        return max(self._wait(wanted, await self._rows([c.key for c in wanted]), _now_ms()), 0.001)

    @staticmethod
    def _wait(wanted: list[Counter], rows: dict[str, tuple[int, int]], now: int) -> float:
        wait = 0
        for c in wanted:
            used, end = rows.get(c.key, (0, 0))
            if end > now and used + c.cost > c.amount:
                wait = max(wait, min(end - now, c.seconds * 1000))
        return wait / 1000

    async def _take(self, wanted: list[Counter], now: int) -> dict[str, int]:
        if self.pg:
            params: list = []
            for c in wanted:
                params += (c.key, c.cost, c.amount, now + c.seconds * 1000)
            # One autocommitted statement whatever the number of windows: a hot key's row lock lasts for the
            # statement only, not for the round trips of a BEGIN ... COMMIT (issue 13's intake bench).
            pool = await self._pg_pool()
            keys, ends = await pool.fetchrow(_pg_take_sql(len(wanted)), *params, now)
            if keys and len(keys) < len(wanted):  # a window created by a concurrent hit refused: give back
                cost = {c.key: c.cost for c in wanted}
                await pool.execute(_PG_GIVE_BACK, keys, [cost[k] for k in keys], ends)
            return dict(zip(keys, ends)) if keys and len(keys) == len(wanted) else {}
        binds: dict[str, str | int] = {"now": now}
        for i, c in enumerate(wanted):
            binds.update({f"k{i}": c.key, f"c{i}": c.cost, f"a{i}": c.amount, f"e{i}": now + c.seconds * 1000})
        async with self._sqlite().begin() as conn:
            taken = dict((await conn.execute(_sqlite_take_sql(len(wanted)), binds)).tuples().all())
            if len(taken) < len(wanted):  # SQLite has one writer at a time: undo in the same transaction
                await conn.rollback()
                return {}
        return taken

    async def _rows(self, keys: list[str]) -> dict[str, tuple[int, int]]:
        sql = 'SELECT "key", used, window_end_ms FROM rate_counters WHERE "key" = ANY($1::varchar[])'
        if self.pg:
            pool = await self._pg_pool()
            return {k: (u, e) for k, u, e in await pool.fetch(sql, keys)}
        placeholders = ", ".join(f":k{i}" for i in range(len(keys)))
        async with self._sqlite().connect() as conn:
            result = await conn.execute(
                text(f'SELECT "key", used, window_end_ms FROM rate_counters WHERE "key" IN ({placeholders})'),
                {f"k{i}": k for i, k in enumerate(keys)})
            return {k: (u, e) for k, u, e in result.all()}

    async def _execute(self, sql: str, rows: list[dict]) -> None:
        if not rows:
            return
        if self.pg:
            names = list(rows[0])
            numbered = sql
            for i, name in enumerate(names, 1):
                numbered = numbered.replace(f":{name}", f"${i}")
            pool = await self._pg_pool()
            await pool.executemany(numbered, [tuple(r[n] for n in names) for r in rows])
            return
        async with self._sqlite().begin() as conn:
            await conn.execute(text(sql), rows)

    def _sqlite(self):
        """The limiter's own engine on the same file: its commits skip the fsync (synchronous=NORMAL in WAL
        mode), which the app's engine does for every report; a power cut may forget the last counts."""
        if self._engine is None:
            from sqlalchemy import event

            from phananh.db import create_engine

            self._engine = create_engine(self.app.state.settings.database_url)

            @event.listens_for(self._engine.sync_engine, "connect")
            def _no_fsync(dbapi_conn, _record):
                dbapi_conn.cursor().execute("PRAGMA synchronous=NORMAL")

        return self._engine

    async def clear(self, keys: list[str]) -> None:
        await self._execute('DELETE FROM rate_counters WHERE "key" = :key', [{"key": k} for k in keys])

    async def _pg_pool(self):
        if self._pool is None:
            async with self._pool_lock:
                if self._pool is None:
                    import asyncpg

                    url = make_url(self.app.state.settings.database_url).set(drivername="postgresql")
                    self._pool = await asyncpg.create_pool(
                        url.render_as_string(hide_password=False), min_size=0, max_size=PG_POOL_SIZE,
                        max_inactive_connection_lifetime=60, reset=_keep_session,
                        server_settings={"synchronous_commit": "off", "application_name": "phananh-limits"})
        return self._pool

    async def close(self) -> None:
        if self._engine is not None:
            engine, self._engine = self._engine, None
            await engine.dispose()
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()


async def _keep_session(_connection) -> None:
    """The limiter pool's reset of a connection given back: nothing beyond what asyncpg always does (roll back
    an open transaction, drop listeners). Its default also sends `pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN
    *; RESET ALL` — a second round trip per hit (issue 13: per anonymous submit) to undo session state that these
    connections never make: they only run single autocommitted statements, no SET, LISTEN, cursor or lock."""


_TAKE_SET = (
    ' ON CONFLICT ("key") DO UPDATE SET'
    " used = CASE WHEN rate_counters.window_end_ms <= {now} THEN excluded.used"
    " ELSE rate_counters.used + excluded.used END,"
    " quota = excluded.quota,"
    " window_end_ms = CASE WHEN rate_counters.window_end_ms <= {now} THEN excluded.window_end_ms"
    " ELSE rate_counters.window_end_ms END"
    " WHERE rate_counters.window_end_ms <= {now} OR rate_counters.used + excluded.used <= excluded.quota"
    ' RETURNING "key", window_end_ms'
)


@lru_cache(maxsize=16)
def _pg_take_sql(n: int) -> str:
    """All or nothing in one statement: the windows' existing rows are locked (in key order, as `acquire` sorts
    them) and checked first; the upsert takes from every window only when none of them refuses. A window whose
    row another hit creates at the same instant is still checked by the conflict clause: when that refuses, the
    windows it took are given back at once (`_PG_GIVE_BACK`, a second statement on this rare path)."""
    values = ", ".join(f"(${4 * i + 1}::varchar, ${4 * i + 2}::bigint, ${4 * i + 3}::bigint, ${4 * i + 4}::bigint)"
                       for i in range(n))
    now = f"${4 * n + 1}::bigint"
    if n == 1:  # one row's upsert is all or nothing by itself
        return (f'WITH taken AS (INSERT INTO rate_counters ("key", used, quota, window_end_ms) VALUES {values}'
                + _TAKE_SET.format(now=now) + ") SELECT array_agg(\"key\"), array_agg(window_end_ms) FROM taken")
    return (
        f'WITH wanted ("key", used, quota, window_end_ms) AS (VALUES {values}),'
        ' locked AS (SELECT r."key", r.used, r.window_end_ms FROM rate_counters r'
        ' WHERE r."key" IN (SELECT "key" FROM wanted) ORDER BY r."key" FOR UPDATE),'
        ' refused AS (SELECT 1 FROM wanted w JOIN locked l ON l."key" = w."key"'
        f' WHERE l.window_end_ms > {now} AND l.used + w.used > w.quota),'
        ' taken AS (INSERT INTO rate_counters ("key", used, quota, window_end_ms)'
        ' SELECT "key", used, quota, window_end_ms FROM wanted WHERE NOT EXISTS (SELECT 1 FROM refused)'
        ' ORDER BY "key"' + _TAKE_SET.format(now=now) + ")"
        ' SELECT array_agg("key"), array_agg(window_end_ms) FROM taken')
_PG_GIVE_BACK = (
    'UPDATE rate_counters r SET used = r.used - g.cost'
    ' FROM unnest($1::varchar[], $2::bigint[], $3::bigint[]) AS g("key", cost, window_end_ms)'
    ' WHERE r."key" = g."key" AND r.window_end_ms = g.window_end_ms'
)


@lru_cache(maxsize=16)
def _sqlite_take_sql(n: int):
    values = ", ".join(f"(:k{i}, :c{i}, :a{i}, :e{i})" for i in range(n))
    return text(f'INSERT INTO rate_counters ("key", used, quota, window_end_ms) VALUES {values}'
                + _TAKE_SET.format(now=":now"))
