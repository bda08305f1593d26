"""Partner API keys through the admin JSON API: issued once, stored hashed, listed with their use, revocable."""

from __future__ import annotations

from sqlalchemy import select

from phananh.open311.tables import api_keys
from tests.open311.conftest import BASE, request_form

KEYS = "/api/v1/admin/api-keys"


async def test_only_an_admin_manages_api_keys(client, tokens):
    assert (await client.get(KEYS)).status_code == 401
    for user in ("dispatcher", "supervisor", "handler.so-y-te"):
        assert (await client.get(KEYS, headers=await tokens(user))).status_code == 403
        assert (await client.post(KEYS, json={"partner": "X"}, headers=await tokens(user))).status_code == 403


async def test_a_key_is_shown_once_and_kept_only_as_a_hash(client, tokens, engine):
    admin = await tokens("admin")
    r = await client.post(KEYS, json={"partner": "Zalo Mini App – Sở TT&TT", "note": "thử nghiệm"}, headers=admin)
    assert r.status_code == 201
    made = r.json()
    assert made["key"].startswith("pa311_") and made["channel"] == "open311:zalo-mini-app-so-tt-tt"
    async with engine.connect() as conn:
        stored = (await conn.execute(select(api_keys).where(api_keys.c.id == made["id"]))).mappings().one()
    assert made["key"] not in str(dict(stored)) and len(stored["key_hash"]) == 64
    listed = (await client.get(KEYS, headers=admin)).json()
    mine = next(k for k in listed["items"] if k["id"] == made["id"])
    assert "key" not in mine and mine["prefix"] == made["key"][:12] and mine["active"] and mine["requests"] == 0


async def test_requests_are_counted_per_key_and_a_revoked_key_stops_working(client, tokens):
    admin = await tokens("admin")
    made = (await client.post(KEYS, json={"partner": "Đối tác thu hồi"}, headers=admin)).json()
    r = await client.post(f"{BASE}/requests.json", data={"api_key": made["key"], **request_form()})
    assert r.status_code == 200
    revoked = await client.post(f"{KEYS}/{made['id']}/revoke", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] and not revoked.json()["active"]
    mine = next(k for k in (await client.get(KEYS, headers=admin)).json()["items"] if k["id"] == made["id"])
    assert (mine["requests"], mine["active"]) == (1, False) and mine["last_used_at"]
    r = await client.post(f"{BASE}/requests.json", data={"api_key": made["key"], **request_form()})
    assert r.status_code == 403
    assert (await client.post(f"{KEYS}/999999/revoke", headers=admin)).status_code == 404


async def test_a_partner_name_needs_letters_or_digits(client, tokens):
    r = await client.post(KEYS, json={"partner": "– – –"}, headers=await tokens("admin"))
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_partner"


async def test_control_characters_are_refused_not_stored(client, tokens, partner_key):
    admin = await tokens("admin")
    assert (await client.post(KEYS, json={"partner": "Đối\x00tác"}, headers=admin)).status_code == 422
    assert (await client.post(KEYS, json={"partner": "Đối tác", "note": "a\x00b"}, headers=admin)).status_code == 422
    r = await client.post(f"{BASE}/requests.json", data={"api_key": partner_key, **request_form(description="a\x00b")})
    assert r.status_code == 400
    assert (await client.get(f"{BASE}/tokens/a%00b.json")).status_code == 404
