"""OTP requests: one SMS per phone per minute however many requests arrive, and per-IP flood stops."""

from __future__ import annotations

import asyncio

import pytest

from phananh.auth import service as auth_service
from tests.security.limits_support import (
    assert_rate_limited,
    client_of,
    forget,
    fresh_ip,
    fresh_phone,
    limited_app,
)


@pytest.fixture
def sent(monkeypatch):
    texts: list[tuple[str, str]] = []

    async def capture(to, text, *, settings):
        texts.append((to, text))

    monkeypatch.setattr(auth_service, "send_sms", capture)
    return texts


async def test_thirty_requests_for_one_phone_send_one_code_and_refuse_the_rest(settings, engine, sent):
    app, phone, ip = limited_app(settings, engine), fresh_phone(), fresh_ip()
    async with client_of(app) as client:
        answers = await asyncio.gather(*[
            client.post("/api/v1/auth/otp/request", json={"phone": phone}, headers={"X-Forwarded-For": ip})
            for _ in range(30)])
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [202] + [429] * 29
    for r in answers:
        if r.status_code == 429:
            assert_rate_limited(r, at_most=60)
            assert r.json()["error"]["message"].startswith("Quá nhiều yêu cầu")  # Vietnamese by default
    assert len(sent) == 1


async def test_the_refusal_speaks_english_when_asked(settings, engine, sent):
    app, phone = limited_app(settings, engine), fresh_phone()
    async with client_of(app) as client:
        headers = {"X-Forwarded-For": fresh_ip(), "Accept-Language": "en"}
        assert (await client.post("/api/v1/auth/otp/request", json={"phone": phone}, headers=headers)).status_code == 202
        r = await client.post("/api/v1/auth/otp/request", json={"phone": phone}, headers=headers)
    assert_rate_limited(r, at_most=60)
    assert r.json()["error"]["message"].startswith("Too many requests: try again in ")


async def test_the_answer_does_not_reveal_whether_the_phone_has_an_account(settings, engine, client, monkeypatch):
    from tests.conftest import sign_in_citizen

    known = fresh_phone()
    await sign_in_citizen(client, monkeypatch, known)  # through the suite's app: an account now exists
    app = limited_app(settings, engine)
    await forget(app, "otp_request_per_phone", auth_service.normalize_phone(known))  # that code's minute
    async with client_of(app) as limited:
        headers = {"X-Forwarded-For": fresh_ip()}
        a = await limited.post("/api/v1/auth/otp/request", json={"phone": known}, headers=headers)
        b = await limited.post("/api/v1/auth/otp/request", json={"phone": fresh_phone()}, headers=headers)
    assert (a.status_code, sorted(a.json())) == (b.status_code, sorted(b.json())) == (202, ["expires_in", "phone"])
    assert a.json()["expires_in"] == b.json()["expires_in"]


async def test_one_address_gets_twenty_codes_an_hour_whatever_the_phones(settings, engine, sent):
    app, ip = limited_app(settings, engine), fresh_ip()
    async with client_of(app) as client:
        answers = [await client.post("/api/v1/auth/otp/request", json={"phone": fresh_phone()},
                                     headers={"X-Forwarded-For": ip}) for _ in range(21)]
        other = await client.post("/api/v1/auth/otp/request", json={"phone": fresh_phone()},
                                  headers={"X-Forwarded-For": fresh_ip()})
    assert [r.status_code for r in answers] == [202] * 20 + [429]
    assert_rate_limited(answers[-1], at_most=3600)
    assert other.status_code == 202  # another address is not affected
    assert len(sent) == 21


async def test_the_web_sign_in_form_is_limited_too(settings, engine, sent):
    app, phone = limited_app(settings, engine), fresh_phone()
    async with client_of(app) as client:
        page = await client.get("/dang-nhap-cong-dan")
        token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0] if "csrf_token" in page.text else ""
        form = {"phone": phone, "csrf_token": token}
        headers = {"X-Forwarded-For": fresh_ip()}
        first = await client.post("/dang-nhap-cong-dan", data=form, headers=headers)
        second = await client.post("/dang-nhap-cong-dan", data=form, headers=headers)
    assert first.status_code == 200, first.text[:500]
    assert second.status_code == 429 and 1 <= int(second.headers["retry-after"]) <= 60
    assert "Quá nhiều yêu cầu" in second.text
    assert len(sent) == 1
