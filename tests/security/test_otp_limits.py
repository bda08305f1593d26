"""OTP verification: attempts counted atomically (at most 5 guesses per code, however many arrive at once), a new
code voids the older ones, and at most 10 failures per phone per hour across codes."""

from __future__ import annotations

import asyncio
import random

import pytest
from sqlalchemy import select

from phananh.auth import service as auth_service
from phananh.auth.tables import otp_codes
from tests.security.limits_support import assert_rate_limited, client_of, forget, fresh_ip, fresh_phone, limited_app


@pytest.fixture
def codes(monkeypatch):
    """The codes sent by SMS, newest last."""
    sent: list[str] = []

    async def capture(to, text, *, settings):
        sent.append(text.rsplit(" ", 1)[-1])

    monkeypatch.setattr(auth_service, "send_sms", capture)
    return sent


@pytest.fixture
def app(settings, engine):
    return limited_app(settings, engine)


async def request_code(client, app, phone: str, codes: list[str]) -> str:
    await forget(app, "otp_request_per_phone", auth_service.normalize_phone(phone))  # not the budget under test
    r = await client.post("/api/v1/auth/otp/request", json={"phone": phone}, headers={"X-Forwarded-For": fresh_ip()})
    assert r.status_code == 202, r.text
    return codes[-1]


def wrong(code: str) -> str:
    return next(c for c in (f"{random.randint(0, 999999):06d}" for _ in range(100)) if c != code)


async def attempts_on(engine, phone: str) -> list[int]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(otp_codes.c.attempts).where(
            otp_codes.c.phone == auth_service.normalize_phone(phone)).order_by(otp_codes.c.id))
        return [a for (a,) in rows]


async def verify(client, phone: str, code: str):
    return await client.post("/api/v1/auth/otp/verify", json={"phone": phone, "code": code},
                             headers={"X-Forwarded-For": fresh_ip()})


async def test_sixty_concurrent_wrong_guesses_count_five_and_the_right_code_is_then_refused(app, engine, codes):
    phone = fresh_phone()
    async with client_of(app) as client:
        code = await request_code(client, app, phone, codes)
        answers = await asyncio.gather(*[verify(client, phone, wrong(code)) for _ in range(60)])
        right = await verify(client, phone, code)
    assert {r.status_code for r in answers} <= {401, 429}
    assert await attempts_on(engine, phone) == [5]  # not one guess more was compared
    assert right.status_code in (401, 429) and "access_token" not in right.text


async def test_a_concurrent_burst_of_wrong_and_right_codes_signs_in_at_most_once(app, engine, codes):
    phone = fresh_phone()
    async with client_of(app) as client:
        code = await request_code(client, app, phone, codes)
        guesses = [code] * 10 + [wrong(code) for _ in range(50)]
        random.shuffle(guesses)
        answers = await asyncio.gather(*[verify(client, phone, g) for g in guesses])
    signed_in = sum(r.status_code == 200 for r in answers)
    assert signed_in <= 1
    assert {r.status_code for r in answers} <= {200, 401, 429}
    [attempts] = await attempts_on(engine, phone)
    assert attempts <= 5
    assert signed_in == 1 or attempts == 5  # the right code was refused only after five wrong ones were counted


async def test_the_right_code_after_the_fifth_wrong_one_is_refused(app, engine, codes):
    phone = fresh_phone()
    async with client_of(app) as client:
        code = await request_code(client, app, phone, codes)
        for _ in range(5):
            r = await verify(client, phone, wrong(code))
            assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_code"
        right = await verify(client, phone, code)
    assert right.status_code == 401 and right.json()["error"]["code"] == "invalid_code"


async def test_the_right_code_within_five_tries_signs_in(app, engine, codes):
    phone = fresh_phone()
    async with client_of(app) as client:
        code = await request_code(client, app, phone, codes)
        for _ in range(4):
            assert (await verify(client, phone, wrong(code))).status_code == 401
        r = await verify(client, phone, code)
    assert r.status_code == 200 and r.json()["access_token"]


async def test_a_new_code_voids_the_older_ones(app, engine, codes):
    phone = fresh_phone()
    async with client_of(app) as client:
        old = await request_code(client, app, phone, codes)
        new = await request_code(client, app, phone, codes)
        refused = await verify(client, phone, old) if old != new else None
        accepted = await verify(client, phone, new)
    if refused is not None:
        assert refused.status_code == 401
    assert accepted.status_code == 200


async def test_ten_failures_per_phone_per_hour_across_codes(app, engine, codes):
    phone = fresh_phone()
    async with client_of(app) as client:
        for _ in range(2):
            code = await request_code(client, app, phone, codes)
            for _ in range(5):
                assert (await verify(client, phone, wrong(code))).status_code == 401
        code = await request_code(client, app, phone, codes)
        r = await verify(client, phone, code)  # the right code of a fresh, untried code
    assert_rate_limited(r, at_most=3600)
    assert await attempts_on(engine, phone) == [5, 5, 0]  # refused before the code was even looked at
