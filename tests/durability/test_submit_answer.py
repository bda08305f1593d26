"""The submit answer is shaped from the row just written (issue 7's hot path): it must be exactly what a
later read of the stored report shows."""

from __future__ import annotations

import io
import json
import uuid

from PIL import Image

from tests.support import report_body


def _photo() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(buf, "JPEG")
    return buf.getvalue()


def _without(view: dict, *keys: str) -> dict:
    return {k: v for k, v in view.items() if k not in keys}


async def test_an_anonymous_submit_answers_what_tracking_the_report_shows(client):
    body = report_body(anonymous=True, reporter=None, title="  Cây đổ chắn đường  ", address="Ấp 3")
    r = await client.post("/api/v1/reports", json=body, headers={"Idempotency-Key": uuid.uuid4().hex})
    assert r.status_code == 201, r.text
    answer = r.json()
    tracked = (await client.get(f"/api/v1/track/{answer['tracking_token']}")).json()
    assert _without(answer, "tracking_token", "tracking_code") == _without(tracked, "events", "tracking_token")
    assert answer["deadlines"][0]["stage"] == "distribute"


async def test_a_submit_with_a_photo_answers_with_the_stored_photo(client):
    files = {"report": (None, json.dumps(report_body(anonymous=True, reporter=None)), "application/json"),
             "files": ("anh.jpg", _photo(), "image/jpeg")}
    r = await client.post("/api/v1/reports", files=files)
    assert r.status_code == 201, r.text
    tracked = (await client.get(f"/api/v1/track/{r.json()['tracking_token']}")).json()
    assert r.json()["media"] == tracked["media"] and len(tracked["media"]) == 1


async def test_a_dispatcher_entering_a_call_gets_the_report_as_stored(client, tokens):
    headers = await tokens("dispatcher")
    r = await client.post("/api/v1/reports", json=report_body(channel="hotline"), headers=headers)
    assert r.status_code == 201, r.text
    stored = (await client.get(f"/api/v1/reports/{r.json()['id']}", headers=headers)).json()
    assert _without(r.json(), "tracking_token", "tracking_code") == _without(stored, "tracking_token")
    assert r.json()["reporter"]["phone"] == "0912345678"
