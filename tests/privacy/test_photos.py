"""Clean photos (issue 9): the public gets a copy with no metadata at all; staff open the original, and each such
read is logged; nothing is public before the copy exists; videos never are."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import insert, select

from phananh.db import utcnow
from phananh.reports import derivatives
from phananh.reports.tables import identity_reads, media
from tests.privacy.photo_support import jpeg_with_metadata, open_image
from tests.support import AGENCY, OTHER_AGENCY, act, report_body

METADATA_MARKERS = (b"Exif", b"Canon", b"EOS 5D", b"http://ns.adobe.com", b"xmpmeta", b"0912345678", b"ICC_PROFILE")


async def _submit_with_photo(client, photo: bytes) -> dict:
    r = await client.post("/api/v1/reports", data={"report": json.dumps(report_body())},
                          files={"files": ("IMG_0001.jpg", photo, "image/jpeg")})
    assert r.status_code == 201, r.text
    return r.json()


async def _publish(client, tokens, report_id: int) -> None:
    dispatcher = await tokens("dispatcher")
    await act(client, report_id, "assign", {"agency": AGENCY}, dispatcher)
    await act(client, report_id, "resolve", {"result": "Đã xử lý"}, await tokens(f"handler.{AGENCY}"))
    await act(client, report_id, "publish", {}, dispatcher)


async def test_public_gets_a_copy_with_no_metadata_and_the_dispatcher_the_original(client, tokens, engine, settings):
    photo = jpeg_with_metadata()
    created = await _submit_with_photo(client, photo)
    item = created["media"][0]
    assert item["status"] == "processing"
    await _publish(client, tokens, created["id"])

    # Before the worker has made the copy, nobody gets a photo at the public URL: not even staff.
    assert (await client.get(f"/api/v1/reports/{created['id']}")).json()["media"] == []
    waiting = await client.get(item["url"])
    assert waiting.status_code == 404
    staff_waiting = await client.get(item["url"], headers=await tokens("dispatcher"))
    assert staff_waiting.status_code == 404 and staff_waiting.json()["error"]["code"] == "photo_processing"

    done = await derivatives.process_due(engine, settings, limit=10_000)
    assert item["id"] in done.ready

    public = (await client.get(f"/api/v1/reports/{created['id']}")).json()
    assert [(m["id"], m["status"]) for m in public["media"]] == [(item["id"], "ready")]
    assert "original_url" not in public["media"][0]
    r = await client.get(item["url"])
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    assert r.headers["x-content-type-options"] == "nosniff"
    copy = open_image(r.content)
    assert copy.format == "JPEG" and copy.size == (320, 240)
    assert len(copy.getexif()) == 0 and copy.getexif().get_ifd(0x8825) == {}
    assert not {"exif", "xmp", "icc_profile", "comment", "photoshop"} & set(copy.info)
    assert not [m for m in METADATA_MARKERS if m in r.content]

    # The dispatcher opens the original, metadata and all; the read is logged like an identity read.
    dispatcher = await tokens("dispatcher")
    staff_view = (await client.get(f"/api/v1/reports/{created['id']}", headers=dispatcher)).json()
    original_url = staff_view["media"][0]["original_url"]
    assert original_url == f"/api/v1/media/{item['id']}/original"
    original = await client.get(original_url, headers=dispatcher)
    assert original.status_code == 200
    exif = open_image(original.content).getexif()
    assert exif[0x010F] == "Canon" and exif[0x0110] == "Canon EOS 5D Mark IV"
    assert exif.get_ifd(0x8825)[1] == "N"
    async with engine.connect() as conn:
        reads = (await conn.execute(select(identity_reads).where(
            identity_reads.c.via == f"media_original:{item['id']}"))).mappings().all()
    assert [(r["report_id"], r["via"]) for r in reads] == [(created["id"], f"media_original:{item['id']}")]

    # Nobody else opens the original: the public, the reporter's token, an agency that never had the report.
    assert (await client.get(original_url)).status_code == 403
    assert (await client.get(original_url, params={"tracking_token": created["tracking_token"]})).status_code == 403
    other = await client.get(original_url, headers=await tokens(f"handler.{OTHER_AGENCY}"))
    assert other.status_code == 404


async def test_unreviewed_report_photo_stays_private_even_once_processed(client, tokens, engine, settings):
    created = await _submit_with_photo(client, jpeg_with_metadata((64, 48)))
    await derivatives.process_due(engine, settings, limit=10_000)
    url = created["media"][0]["url"]
    assert (await client.get(url)).status_code == 404  # the Portal has not reviewed it
    mine = await client.get(url, params={"tracking_token": created["tracking_token"]})
    assert mine.status_code == 200 and b"Canon" not in mine.content  # the reporter gets the clean copy too


async def test_a_photo_that_cannot_be_processed_is_retried_then_marked_failed(client, tokens, engine, settings):
    created = await _submit_with_photo(client, jpeg_with_metadata((64, 48)))
    media_id = created["media"][0]["id"]
    async with engine.connect() as conn:
        rel = (await conn.execute(select(media.c.path).where(media.c.id == media_id))).scalar_one()
    original = Path(settings.media_dir) / rel
    kept = original.read_bytes()
    original.write_bytes(b"not a photo any more")
    try:
        moment = utcnow()
        for attempt in range(settings.derivative_max_attempts):
            done = await derivatives.process_due(engine, settings, now=moment)
            assert media_id in (done.failed if attempt == settings.derivative_max_attempts - 1 else done.retrying)
            moment = moment.replace(year=moment.year + 1)  # past any backoff
    finally:
        original.write_bytes(kept)
    staff = (await client.get(f"/api/v1/reports/{created['id']}", headers=await tokens("dispatcher"))).json()
    assert staff["media"][0]["status"] == "failed"
    assert (await client.get(created["media"][0]["url"], params={"tracking_token": created["tracking_token"]})
            ).status_code == 404


async def test_videos_are_never_public(client, tokens, engine, settings):
    created = await _submit_with_photo(client, jpeg_with_metadata((64, 48)))
    await _publish(client, tokens, created["id"])
    (Path(settings.media_dir) / "vi").mkdir(exist_ok=True)
    (Path(settings.media_dir) / "vi" / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64)
    async with engine.begin() as conn:
        video_id = (await conn.execute(insert(media).values(
            report_id=created["id"], purpose="report", kind="video", content_type="video/mp4", size=80,
            sha256="0" * 64, path="vi/clip.mp4", created_at=utcnow()).returning(media.c.id))).scalar_one()
    await derivatives.process_due(engine, settings, limit=10_000)
    public = (await client.get(f"/api/v1/reports/{created['id']}")).json()
    assert [m["kind"] for m in public["media"]] == ["photo"]
    tracked = (await client.get(f"/api/v1/track/{created['tracking_token']}")).json()
    assert "video" not in [m["kind"] for m in tracked["media"]]
    assert (await client.get(f"/api/v1/media/{video_id}")).status_code == 404
    assert (await client.get(f"/api/v1/media/{video_id}", params={"tracking_token": created["tracking_token"]})
            ).status_code == 404
    staff = await client.get(f"/api/v1/media/{video_id}", headers=await tokens("dispatcher"))
    assert staff.status_code == 200 and staff.headers["content-type"] == "video/mp4"
