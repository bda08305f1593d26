"""Bad input gets a 4xx JSON error and writes nothing."""

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from phananh.reports.tables import events, media, reports
from tests.support import report_body, submit


async def _counts(engine) -> tuple[int, int, int]:
    async with engine.connect() as conn:
        return tuple([
            (await conn.execute(select(func.count()).select_from(t))).scalar() for t in (reports, events, media)
        ])


def jpeg_bytes(size=(64, 48)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buf, "JPEG")
    return buf.getvalue()


BAD_BODIES = {
    "wrong type for description": report_body(description=12345),
    "missing category": {k: v for k, v in report_body().items() if k != "category"},
    "missing description": {k: v for k, v in report_body().items() if k != "description"},
    "unknown category": report_body(category="khong-ton-tai"),
    "unknown area": report_body(area="xa-khong-co"),
    "latitude out of range": report_body(location={"lat": 91.0, "lon": 105.1}),
    "longitude out of range": report_body(location={"lat": 9.1, "lon": 181.0}),
    "no place at all": report_body(location=None, address=None, area=None),
    "no reporter and not anonymous": report_body(reporter=None),
    "identity without consent": report_body(consent=False),
    "a 1 MB description": report_body(description="Ngập nước " * 110_000),
    "blank description": report_body(description="   "),
    "invalid email": report_body(reporter={"name": "Lan", "email": "khong-phai-email"}),
    "unknown language": report_body(language="fr"),
    "a list instead of an object": [report_body()],
}


@pytest.mark.parametrize("case", sorted(BAD_BODIES))
async def test_bad_report_body_is_refused_with_a_json_error_and_nothing_written(case, client, engine):
    before = await _counts(engine)
    r = await client.post("/api/v1/reports", json=BAD_BODIES[case])
    assert 400 <= r.status_code < 500, r.text
    error = r.json()["error"]
    assert error["code"] and error["message"]
    assert await _counts(engine) == before


async def test_malformed_json_is_400(client, engine):
    before = await _counts(engine)
    r = await client.post("/api/v1/reports", content=b'{"category": "giao-thong",', headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "malformed_json"
    assert await _counts(engine) == before


async def test_error_message_is_vietnamese_by_default_and_english_on_request(client):
    r = await client.post("/api/v1/reports", json=report_body(category="khong-ton-tai"))
    assert r.json()["error"]["message"] == "Lĩnh vực không tồn tại: khong-ton-tai."
    r = await client.post("/api/v1/reports", json=report_body(category="khong-ton-tai"), headers={"Accept-Language": "en"})
    assert r.json()["error"]["message"] == "Unknown category: khong-ton-tai."


async def test_a_file_that_is_not_an_image_is_refused(client, engine):
    import json

    before = await _counts(engine)
    files = {"files": ("anh.jpg", b"MZ\x90\x00 this is an executable, not a photo", "image/jpeg")}
    r = await client.post("/api/v1/reports", data={"report": json.dumps(report_body())}, files=files)
    assert r.status_code == 415 and r.json()["error"]["code"] == "unsupported_file_type"
    assert await _counts(engine) == before


async def test_an_oversized_upload_is_refused(client, engine, settings):
    import json

    before = await _counts(engine)
    big = Image.effect_noise((1800, 1800), 120).convert("RGB")
    buf = io.BytesIO()
    big.save(buf, "PNG")
    assert buf.tell() > settings.max_photo_bytes
    r = await client.post("/api/v1/reports", data={"report": json.dumps(report_body())},
                          files={"files": ("lon.png", buf.getvalue(), "image/png")})
    assert r.status_code == 413 and r.json()["error"]["code"] == "file_too_large"
    assert await _counts(engine) == before


async def test_bad_action_bodies_are_422_and_write_nothing(client, tokens, engine):
    created = await submit(client)
    dispatcher = await tokens("dispatcher")
    before = await _counts(engine)
    for action, body in [("assign", {}), ("assign", {"agency": "khong-co"}), ("reject", {"reason": ""}),
                         ("merge", {"into": 10**12}), ("merge", {"into": created["id"]}), ("assign", {"agency": 5})]:
        r = await client.post(f"/api/v1/reports/{created['id']}/actions/{action}", json=body, headers=dispatcher)
        assert r.status_code == 422, (action, body, r.text)
    assert await _counts(engine) == before


async def test_unknown_report_is_404_json(client, tokens):
    for path in ("/api/v1/reports/999999999", "/api/v1/reports/PA-2026-999999999", "/api/v1/reports/abc",
                 "/api/v1/track/khong-co", "/api/v1/reports/99999999999999999999999"):
        r = await client.get(path, headers=await tokens("dispatcher"))
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found", path


async def test_list_filters_reject_nonsense(client, tokens):
    h = await tokens("dispatcher")
    assert (await client.get("/api/v1/reports?status=flying", headers=h)).status_code == 422
    assert (await client.get("/api/v1/reports?page_size=1000", headers=h)).status_code == 422
    assert (await client.get("/api/v1/reports?from=2026-01-01T00:00:00", headers=h)).status_code == 422
    assert (await client.get("/api/v1/reports?category=khong-co", headers=h)).status_code == 422
