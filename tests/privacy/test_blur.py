"""Blurring (issue 9): faces are blurred in the public copy automatically, the rest of the photo is left as it was;
a dispatcher's box is blurred too, and an automatic box the dispatcher undoes is sharp again."""

from __future__ import annotations

import json

from phananh.reports import derivatives
from tests.privacy.photo_support import ASTRONAUT_FACE, astronaut_jpeg, mean_difference, open_image, sharpness
from tests.support import act, report_body

BACKGROUND = (0, 300, 150, 200)  # the astronaut photo's lower left: the suit and the flag, far from the face
MANUAL = (300, 20, 120, 120)  # the upper right: the shuttle's sky and structure, nothing detected there


async def _astronaut_report(client, tokens) -> tuple[dict, dict]:
    r = await client.post("/api/v1/reports", data={"report": json.dumps(report_body())},
                          files={"files": ("astronaut.jpg", astronaut_jpeg(), "image/jpeg")})
    assert r.status_code == 201, r.text
    created = r.json()
    await act(client, created["id"], "make_public", {}, await tokens("dispatcher"))
    return created, created["media"][0]


async def _public_copy(client, engine, settings, item):
    done = await derivatives.process_due(engine, settings, limit=10_000)
    assert item["id"] in done.ready
    r = await client.get(item["url"])
    assert r.status_code == 200, r.text
    return open_image(r.content)


async def test_a_face_is_blurred_and_the_rest_of_the_photo_kept(client, tokens, engine, settings):
    created, item = await _astronaut_report(client, tokens)
    copy = await _public_copy(client, engine, settings, item)
    original = open_image(astronaut_jpeg())
    assert copy.size == original.size

    before, after = sharpness(original, ASTRONAUT_FACE), sharpness(copy, ASTRONAUT_FACE)
    assert after <= 0.3 * before, f"face sharpness {before:.0f} -> {after:.0f}: not blurred enough"
    # Away from the face the photo is the same, but for JPEG's re-encoding.
    assert mean_difference(original, copy, BACKGROUND) < 4
    assert sharpness(copy, BACKGROUND) >= 0.8 * sharpness(original, BACKGROUND)

    staff = (await client.get(f"/api/v1/reports/{created['id']}", headers=await tokens("dispatcher"))).json()
    assert staff["media"][0]["status"] == "ready"


async def test_dispatcher_box_is_blurred_and_an_undone_automatic_box_is_sharp_again(client, tokens, engine, settings):
    created, item = await _astronaut_report(client, tokens)
    first = await _public_copy(client, engine, settings, item)
    original = open_image(astronaut_jpeg())
    assert sharpness(first, MANUAL) >= 0.8 * sharpness(original, MANUAL)

    async with engine.connect() as conn:
        auto = (await derivatives.derivative_of(conn, item["id"]))["auto_boxes"]
    faces = [i for i, b in enumerate(auto) if b["kind"] == "face"]
    assert faces, auto
    x, y, w, h = MANUAL
    body = {"media": [{"id": item["id"], "boxes": [{"x": x, "y": y, "w": w, "h": h}], "hide_auto": faces}]}
    await act(client, created["id"], "redact", body, await tokens("dispatcher"))

    # Withdrawn from the public until the worker has made it again, then with the new boxes.
    assert (await client.get(item["url"])).status_code == 404
    second = await _public_copy(client, engine, settings, item)
    assert sharpness(second, MANUAL) <= 0.3 * sharpness(original, MANUAL)
    assert sharpness(second, ASTRONAUT_FACE) >= 0.8 * sharpness(original, ASTRONAUT_FACE)

    events = (await client.get(f"/api/v1/reports/{created['id']}/events", headers=await tokens("dispatcher"))).json()
    redact = [e for e in events["items"] if e["action"] == "redact"][-1]
    assert redact["payload"]["media"][0]["boxes"] == [{"x": x, "y": y, "w": w, "h": h}]


async def test_a_box_on_another_reports_photo_is_refused(client, tokens, engine, settings):
    created, _item = await _astronaut_report(client, tokens)
    other, other_item = await _astronaut_report(client, tokens)
    body = {"media": [{"id": other_item["id"], "boxes": [{"x": 1, "y": 1, "w": 10, "h": 10}]}]}
    r = await client.post(f"/api/v1/reports/{created['id']}/actions/redact", json=body,
                          headers=await tokens("dispatcher"))
    assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_photo"
