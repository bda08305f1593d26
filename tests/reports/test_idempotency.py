"""Idempotent submit: a retried send never makes a second report."""

import asyncio
import json
import uuid

from sqlalchemy import func, select

from phananh.reports.tables import reports
from tests.reports.test_bad_input import jpeg_bytes
from tests.support import report_body


async def _count(engine) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(reports))).scalar()


async def test_same_key_same_body_returns_the_same_report(client, engine):
    key, body = str(uuid.uuid4()), report_body()
    first = await client.post("/api/v1/reports", json=body, headers={"Idempotency-Key": key})
    assert first.status_code == 201
    before = await _count(engine)
    again = await client.post("/api/v1/reports", json=body, headers={"Idempotency-Key": key})
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["tracking_token"] == first.json()["tracking_token"]
    assert await _count(engine) == before


async def test_same_key_different_body_is_refused(client, engine):
    key = str(uuid.uuid4())
    assert (await client.post("/api/v1/reports", json=report_body(), headers={"Idempotency-Key": key})).status_code == 201
    before = await _count(engine)
    r = await client.post("/api/v1/reports", json=report_body(description="Một nội dung khác hẳn."),
                          headers={"Idempotency-Key": key})
    assert r.status_code == 409 and r.json()["error"]["code"] == "idempotency_key_reused"
    assert await _count(engine) == before


async def test_concurrent_retries_with_one_key_make_one_report(client, engine):
    key, body = str(uuid.uuid4()), report_body()
    before = await _count(engine)
    answers = await asyncio.gather(*[
        client.post("/api/v1/reports", json=body, headers={"Idempotency-Key": key}) for _ in range(6)
    ])
    assert {a.status_code for a in answers} <= {200, 201}
    assert len({a.json()["id"] for a in answers}) == 1
    assert await _count(engine) == before + 1


async def test_multipart_retry_with_the_same_photo_is_idempotent(client, engine):
    key, body, photo = str(uuid.uuid4()), report_body(), jpeg_bytes()
    send = lambda: client.post("/api/v1/reports", data={"report": json.dumps(body)},  # noqa: E731
                               files={"files": ("a.jpg", photo, "image/jpeg")}, headers={"Idempotency-Key": key})
    first, second = await send(), await send()
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    assert len(second.json()["media"]) == 1


async def test_a_blank_idempotency_key_is_no_key(client, engine):
    before = await _count(engine)
    for _ in range(2):
        r = await client.post("/api/v1/reports", json=report_body(), headers={"Idempotency-Key": " "})
        assert r.status_code == 201, r.text
    assert await _count(engine) == before + 2


async def test_an_idempotency_key_past_200_characters_is_refused_before_anything_is_written(client, engine):
    before = await _count(engine)
    r = await client.post("/api/v1/reports", json=report_body(), headers={"Idempotency-Key": "k" * 201})
    assert r.status_code == 422
    assert r.json()["error"]["details"] == [{"loc": ["header", "idempotency-key"], "type": "string_too_long",
                                             "msg": "String should have at most 200 characters"}]
    assert await _count(engine) == before
    key, body = str(uuid.uuid4()).ljust(200, "k"), report_body()  # the longest key allowed is a key
    assert (await client.post("/api/v1/reports", json=body, headers={"Idempotency-Key": key})).status_code == 201
    again = await client.post("/api/v1/reports", json=body, headers={"Idempotency-Key": key})
    assert again.status_code == 200
