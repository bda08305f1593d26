"""The limiter itself: the client address behind proxies, the submit and Open311 budgets, and counts shared by
every app instance through the database or Redis."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from starlette.datastructures import Headers

from phananh.app import create_app
from phananh.errors import ApiError
from phananh.security import limits
from tests.security.limits_support import assert_rate_limited, client_of, fresh_ip, limited_app
from tests.support import partner_api_key, report_body

REDIS_URL = "redis://127.0.0.1:6379/15"


def request_from(peer: str, forwarded: str | None = None, proxies: str = ""):
    headers = Headers({"x-forwarded-for": forwarded} if forwarded else {})
    app = SimpleNamespace(state=SimpleNamespace(settings=SimpleNamespace(trusted_proxies=proxies)))
    return SimpleNamespace(client=SimpleNamespace(host=peer), headers=headers, app=app)


@pytest.mark.parametrize("peer, forwarded, proxies, client", [
    ("198.51.100.7", "1.2.3.4", "", "198.51.100.7"),  # no trusted proxy: the header is ignored
    ("198.51.100.7", "1.2.3.4", "10.0.0.0/8", "198.51.100.7"),  # not from a trusted proxy: ignored
    ("10.0.0.5", "1.2.3.4", "10.0.0.0/8", "1.2.3.4"),
    ("10.0.0.5", "6.6.6.6, 1.2.3.4, 10.0.0.9", "10.0.0.0/8", "1.2.3.4"),  # the client's own entry proves nothing
    ("10.0.0.5", "not-an-ip, 10.0.0.9", "10.0.0.0/8", "10.0.0.9"),
    ("10.0.0.5", None, "10.0.0.0/8", "10.0.0.5"),
])
def test_x_forwarded_for_is_believed_only_from_trusted_proxies(peer, forwarded, proxies, client):
    assert limits.client_ip(request_from(peer, forwarded, proxies)) == client


def test_an_ipv6_client_is_counted_by_its_64_prefix():
    a = request_from("2001:db8:1:2::aaaa")
    b = request_from("2001:db8:1:2:ffff::1")
    assert limits.ip_key(a) == limits.ip_key(b) == "2001:db8:1:2::/64"


def test_a_malformed_budget_stops_the_start(settings):
    with pytest.raises(ValueError, match="PHANANH_LIMIT_SUBMIT_PER_IP"):
        create_app(settings.model_copy(update={"limit_submit_per_ip": "lots per hour"}))


async def test_anonymous_submits_are_counted_per_client_address(settings, engine, tokens):
    app = limited_app(settings, engine, limit_submit_per_ip="3/hour;5/day")
    ip = fresh_ip()
    async with client_of(app) as client:
        answers = [await client.post("/api/v1/reports", json=report_body(anonymous=True), headers={
            "X-Forwarded-For": ip}) for _ in range(4)]
        other_ip = await client.post("/api/v1/reports", json=report_body(anonymous=True),
                                     headers={"X-Forwarded-For": fresh_ip()})
        staff = await client.post("/api/v1/reports", json=report_body(),
                                  headers={"X-Forwarded-For": ip, **await tokens("dispatcher")})
    assert [r.status_code for r in answers] == [201, 201, 201, 429]
    assert_rate_limited(answers[-1], at_most=3600)
    assert other_ip.status_code == 201
    assert staff.status_code == 201  # staff (hotline calls typed in) are not limited


async def test_media_budget_counts_uploaded_megabytes(settings, engine):
    app = limited_app(settings, engine, limit_media_per_ip="1/hour")
    body = b"x" * 1_500_000  # 2 MB, rounded up: over the whole budget
    async with client_of(app) as client:
        r = await client.post("/api/v1/reports", files={"files": ("a.jpg", body, "image/jpeg")},
                              data={"report": "{}"}, headers={"X-Forwarded-For": fresh_ip()})
    assert_rate_limited(r, at_most=3600)


async def test_open311_posts_are_counted_per_api_key(settings, engine, client, tokens):
    from tests.open311.conftest import BASE, request_form

    key = await partner_api_key(client, tokens, "Đối tác thử giới hạn")
    app = limited_app(settings, engine, limit_open311_per_key="2/hour")
    async with client_of(app) as limited:
        answers = [await limited.post(f"{BASE}/requests.json", data={"api_key": key, **request_form()})
                   for _ in range(3)]
    assert [r.status_code for r in answers] == [200, 200, 429], answers[-1].text
    assert 1 <= int(answers[-1].headers["retry-after"]) <= 3600
    assert "description" in answers[-1].json()[0]  # the spec's own error shape


def _two_apps(settings, engine, **overrides):
    return limited_app(settings, engine, **overrides), limited_app(settings, engine, **overrides)


@pytest.mark.parametrize("store", ["database", "redis"])
async def test_two_app_instances_share_the_counts(settings, engine, store):
    overrides = {"limit_otp_request_per_ip": "3/hour;10/day"}
    if store == "redis":
        if not await _redis_answers():
            pytest.skip("Redis does not answer at " + REDIS_URL)
        overrides["redis_url"] = REDIS_URL
    first, second = _two_apps(settings, engine, **overrides)
    key = fresh_ip()
    a, b = SimpleNamespace(app=first), SimpleNamespace(app=second)
    try:
        await limits.clear(a, "otp_request_per_ip", key)
        await limits.hit(a, "otp_request_per_ip", key)
        await limits.hit(b, "otp_request_per_ip", key)
        await limits.check(a, "otp_request_per_ip", key)  # consumes nothing
        await limits.hit(b, "otp_request_per_ip", key)
        with pytest.raises(ApiError) as refused:
            await limits.hit(a, "otp_request_per_ip", key)
        assert refused.value.status == 429 and 3590 <= refused.value.details["retry_after"] <= 3600
        # A refused hit takes nothing from the other windows: five refusals by the minute leave the hour at 2 of 3.
        await limits.clear(b, "otp_request_per_ip", key)
        budget = {"limit_otp_request_per_ip": "2/minute;3/hour"}
        first.state.settings = first.state.settings.model_copy(update=budget)
        await limits.hit(a, "otp_request_per_ip", key)
        await limits.hit(a, "otp_request_per_ip", key)
        for _ in range(5):
            with pytest.raises(ApiError):
                await limits.hit(a, "otp_request_per_ip", key)
        await limits.storage(first).clear([f"otp_request_per_ip:60:{key}"])  # the minute only
        await limits.hit(a, "otp_request_per_ip", key)
        with pytest.raises(ApiError) as refused:
            await limits.hit(a, "otp_request_per_ip", key)
        assert refused.value.details["retry_after"] > 60  # now the hour refuses
    finally:
        await limits.close(first)
        await limits.close(second)


async def _redis_answers() -> bool:
    from redis import asyncio as aioredis

    client = aioredis.from_url(REDIS_URL)
    try:
        return bool(await client.ping())
    except Exception:
        return False
    finally:
        await client.aclose()


@pytest.mark.parametrize("store", ["database", "redis"])
async def test_concurrent_hits_on_two_windows_take_exactly_the_budget(settings, engine, store):
    """40 hits at once on "5/minute;8/hour": exactly 5 pass, and the 35 refused ones leave the hour at 5 of 8
    (all or nothing, one statement per hit on PostgreSQL)."""
    import asyncio

    overrides = {"limit_otp_request_per_ip": "5/minute;8/hour"}
    if store == "redis":
        if not await _redis_answers():
            pytest.skip("Redis does not answer at " + REDIS_URL)
        overrides["redis_url"] = REDIS_URL
    app = limited_app(settings, engine, **overrides)
    key = fresh_ip()
    caller = SimpleNamespace(app=app)

    async def one() -> bool:
        try:
            await limits.hit(caller, "otp_request_per_ip", key)
            return True
        except ApiError as exc:
            assert exc.status == 429
            return False

    try:
        outcomes = await asyncio.gather(*(one() for _ in range(40)))
        assert outcomes.count(True) == 5
        await limits.storage(app).clear([f"otp_request_per_ip:60:{key}"])  # the minute only
        outcomes = await asyncio.gather(*(one() for _ in range(10)))
        assert outcomes.count(True) == 3  # the hour had 3 left: nothing was kept from the refused hits
    finally:
        await limits.close(app)


async def test_a_hit_on_postgresql_is_one_statement_and_no_session_reset(settings, engine, backend):
    """The limiter's connection goes back to its pool without asyncpg's default reset (`RESET ALL; UNLISTEN *`
    ...), which was a second round trip on every anonymous submit (issue 13)."""
    import asyncio

    if backend != "postgres":
        pytest.skip("the limiter's own asyncpg pool exists on PostgreSQL only")
    app = limited_app(settings, engine, limit_otp_request_per_ip="5/minute;8/hour")
    caller, key = SimpleNamespace(app=app), fresh_ip()
    sent: list[str] = []
    try:
        await limits.hit(caller, "otp_request_per_ip", key)  # the pool's connection exists now
        pool = await limits.storage(app)._pg_pool()
        async with pool.acquire() as conn:
            conn.add_query_logger(lambda record: sent.append(record.query))
        sent.clear()  # what giving this connection back sent
        await limits.hit(caller, "otp_request_per_ip", key)
        await asyncio.sleep(0)  # the logger is called soon after each query
        assert len(sent) == 1 and "INSERT INTO rate_counters" in sent[0], sent
    finally:
        await limits.close(app)
