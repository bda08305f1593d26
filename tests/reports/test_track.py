"""Tracking people can use (issue 14): short readable codes, typed in any case and with or without dashes, old
tokens still valid, and the reporter's view by the public code plus the last 4 digits of their phone."""

from __future__ import annotations

import re

from sqlalchemy import update

from phananh.reports.codes import TRACKING_ALPHABET, display_token
from phananh.reports.tables import reports
from tests.security.limits_support import assert_rate_limited, client_of, fresh_ip, limited_app
from tests.support import submit

GROUPED = re.compile(r"^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$")


async def test_new_tracking_code_is_short_unambiguous_and_grouped(client):
    created = await submit(client, anonymous=True, reporter=None)
    token = created["tracking_token"]
    assert len(token) == 12 and set(token) <= set(TRACKING_ALPHABET)
    assert not set(token) & set("0O1IL")
    assert GROUPED.match(created["tracking_code"]), created["tracking_code"]
    assert created["tracking_code"].replace("-", "") == token
    assert len(TRACKING_ALPHABET) ** 12 >= 2 ** 50


async def test_tracking_code_is_accepted_in_any_case_with_or_without_dashes(client):
    created = await submit(client, anonymous=True, reporter=None)
    grouped = created["tracking_code"]
    for typed in (created["tracking_token"], grouped, grouped.lower(), f"  {grouped.lower().replace('-', ' ')} "):
        r = await client.get(f"/api/v1/track/{typed}")
        assert r.status_code == 200, (typed, r.text)
        assert r.json()["id"] == created["id"]


async def test_an_anonymous_reporter_rates_with_the_grouped_lower_case_code(client, tokens):
    from tests.support import report_in_state

    created = await report_in_state(client, tokens, "published", anonymous=True, reporter=None)
    r = await client.post(f"/api/v1/reports/{created['id']}/actions/rate", json={"score": 4},
                          headers={"X-Tracking-Token": display_token(created["tracking_token"]).lower()})
    assert r.status_code == 200, r.text
    assert r.json()["rating"]["score"] == 4


async def test_an_old_24_character_token_still_works(client, engine):
    created = await submit(client, anonymous=True, reporter=None)
    old = "aB3-xY9_kLmN0pQrStUvWxYz"  # secrets.token_urlsafe(18), the format before issue 14 (case-sensitive)
    async with engine.begin() as conn:
        await conn.execute(update(reports).where(reports.c.id == created["id"]).values(tracking_token=old))
    r = await client.get(f"/api/v1/track/{old}")
    assert r.status_code == 200 and r.json()["id"] == created["id"]
    assert display_token(old) == old
    assert (await client.get(f"/api/v1/track/{old.upper()}")).status_code == 404


async def test_track_by_code_and_phone_last4_gives_the_reporters_view(client):
    created = await submit(client, reporter={"name": "Lê Thị Tư", "phone": "+84 912 345 678"})
    for code in (created["code"], created["code"].lower(), str(created["id"])):
        r = await client.post("/api/v1/track", json={"code": code, "phone_last4": "5678"})
        assert r.status_code == 200, (code, r.text)
        view = r.json()
        assert view["id"] == created["id"] and view["code"] == created["code"]
        assert view["description"] == created["description"]  # the citizen's words, as the reporter sees them
        assert [e["action"] for e in view["events"]] == ["submit"]
        assert "tracking_token" not in view  # the pair shows the report; it does not hand out the acting code
        assert "reporter" not in view


async def test_wrong_pair_unknown_anonymous_and_malformed_codes_answer_alike(client):
    named = await submit(client, reporter={"name": "Lê Thị Tư", "phone": "0912345678"})
    anonymous = await submit(client, anonymous=True, reporter=None)
    answers = [
        await client.post("/api/v1/track", json={"code": named["code"], "phone_last4": "5679"}),
        await client.post("/api/v1/track", json={"code": "PA-2026-999999999", "phone_last4": "5678"}),
        await client.post("/api/v1/track", json={"code": anonymous["code"], "phone_last4": "0000"}),
        await client.post("/api/v1/track", json={"code": "not a code", "phone_last4": "5678"}),
        await client.post("/api/v1/track", json={"code": "PA-2026-99999999999999999999", "phone_last4": "5678"}),
    ]
    assert {r.status_code for r in answers} == {404}
    assert len({r.content for r in answers}) == 1, [r.text for r in answers]
    assert answers[0].json()["error"]["code"] == "not_found"


async def test_phone_last4_must_be_four_digits(client):
    r = await client.post("/api/v1/track", json={"code": "PA-2026-000001", "phone_last4": "56a8"})
    assert r.status_code == 422
    assert r.json()["error"]["details"]


async def test_track_by_phone_is_limited_per_code(settings, engine, client):
    created = await submit(client, reporter={"name": "Lê Thị Tư", "phone": "0912345678"})
    app = limited_app(settings, engine, limit_track_per_code="3/hour")
    async with client_of(app) as limited:
        # A guesser spreading over addresses is still stopped by the code's own budget.
        answers = [await limited.post("/api/v1/track", json={"code": created["code"], "phone_last4": f"{n:04d}"},
                                      headers={"X-Forwarded-For": fresh_ip()}) for n in range(4)]
        right_pair_after = await limited.post("/api/v1/track", json={"code": created["code"], "phone_last4": "5678"},
                                              headers={"X-Forwarded-For": fresh_ip()})
        other_code = await limited.post("/api/v1/track", json={"code": "PA-2026-999999998", "phone_last4": "5678"},
                                        headers={"X-Forwarded-For": fresh_ip()})
    assert [r.status_code for r in answers] == [404, 404, 404, 429]
    assert_rate_limited(answers[-1], at_most=3600)
    assert right_pair_after.status_code == 429
    assert other_code.status_code == 404


async def test_track_by_phone_is_limited_per_address(settings, engine):
    app = limited_app(settings, engine, limit_track_per_ip="2/hour")
    ip = fresh_ip()
    async with client_of(app) as limited:
        answers = [await limited.post("/api/v1/track", json={"code": f"PA-2026-{900000 + n}", "phone_last4": "1234"},
                                      headers={"X-Forwarded-For": ip}) for n in range(3)]
    assert [r.status_code for r in answers] == [404, 404, 429]
