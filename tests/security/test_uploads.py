"""Uploads are trusted only once decoded (photos) or probed (videos): polyglots, decompression bombs and fake
videos get 415 and write nothing; what is kept is a re-encoded JPEG, served with nosniff and a file name."""

from __future__ import annotations

import io
import json
import os

from PIL import Image
from sqlalchemy import func, select

from phananh.reports.tables import media, reports
from tests.security import samples
from tests.support import report_body

HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


async def _counts(engine) -> tuple[int, int]:
    async with engine.connect() as conn:
        return tuple([(await conn.execute(select(func.count()).select_from(t))).scalar() for t in (reports, media)])


async def _submit(client, *files):
    return await client.post("/api/v1/reports", data={"report": json.dumps(report_body())},
                             files=[("files", f) for f in files])


async def _refused(client, engine, file, code="unsupported_file_type"):
    before = await _counts(engine)
    r = await _submit(client, file)
    assert r.status_code == 415, r.text
    assert r.json()["error"]["code"] == code
    assert await _counts(engine) == before
    return r


async def test_a_heic_polyglot_with_html_is_refused(client, engine):
    polyglot = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + HTML
    r = await _refused(client, engine, ("anh.heic", polyglot, "image/heic"))
    assert r.json()["error"]["message"] == "Tệp anh.heic không phải ảnh hợp lệ."


async def test_a_real_png_with_html_after_its_end_is_refused(client, engine):
    await _refused(client, engine, ("anh.png", samples.photo(fmt="PNG") + HTML, "image/png"))


async def test_a_jpeg_with_html_after_its_end_is_refused(client, engine):
    await _refused(client, engine, ("anh.jpg", samples.photo() + HTML, "image/jpeg"))


async def test_a_144_megapixel_png_of_a_few_kilobytes_is_refused_before_decoding(client, engine):
    bomb = samples.huge_png(12000)
    assert len(bomb) < 100_000
    r = await _refused(client, engine, ("ban-do.png", bomb, "image/png"), code="image_too_large")
    english = await client.post("/api/v1/reports", data={"report": json.dumps(report_body())},
                                files={"files": ("ban-do.png", bomb, "image/png")}, headers={"Accept-Language": "en"})
    assert english.json()["error"]["message"] == "The photo ban-do.png has more than 40 megapixels."
    assert "40" in r.json()["error"]["message"]


async def test_mp4_magic_followed_by_45_mb_of_junk_is_refused(client, engine):
    fake = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + os.urandom(45 * 2**20)
    await _refused(client, engine, ("clip.mp4", fake, "video/mp4"))


async def test_a_real_mp4_with_a_truncated_body_is_refused(client, engine):
    clip = samples.video()
    await _refused(client, engine, ("clip.mp4", clip[: len(clip) // 2], "video/mp4"))


async def test_a_video_longer_than_the_limit_is_refused(client, engine):
    await _refused(client, engine, ("dai.mp4", samples.video(seconds=125), "video/mp4"), code="video_too_long")


async def test_a_real_video_is_accepted(client, tokens):
    r = await _submit(client, ("clip.mp4", samples.video(), "video/mp4"))
    assert r.status_code == 201, r.text
    staff = (await client.get(f"/api/v1/reports/{r.json()['id']}", headers=await tokens("dispatcher"))).json()
    assert [(m["kind"], m["content_type"]) for m in staff["media"]] == [("video", "video/mp4")]


async def _original(client, tokens, submitted) -> tuple[Image.Image, dict]:
    staff = await tokens("dispatcher")
    view = (await client.get(f"/api/v1/reports/{submitted['id']}", headers=staff)).json()
    got = await client.get(f"/api/v1/media/{view['media'][0]['id']}/original", headers=staff)
    assert got.status_code == 200, got.text
    return Image.open(io.BytesIO(got.content)), got.headers


async def test_a_phone_jpeg_is_stored_upright_as_a_new_jpeg_keeping_its_exif(client, tokens):
    # Orientation 6: the camera was turned; the picture must be rotated 90° clockwise to be seen upright.
    sent = samples.photo((64, 48), exif={samples.ORIENTATION: 6, 0x010F: "PhoneMaker"})
    r = await _submit(client, ("IMG_0001.jpg", sent, "image/jpeg"))
    assert r.status_code == 201, r.text
    img, headers = await _original(client, tokens, r.json())
    assert img.format == "JPEG" and img.size == (48, 64)
    assert img.getpixel((24, 5))[0] > 200 and img.getpixel((24, 5))[1] < 60  # the red half is now on top
    assert img.getpixel((24, 58))[1] > 80
    exif = img.getexif()
    assert exif.get(0x010F) == "PhoneMaker" and exif.get(samples.ORIENTATION, 1) == 1
    assert headers["content-type"] == "image/jpeg" and headers["x-content-type-options"] == "nosniff"
    code = r.json()["code"]
    assert headers["content-disposition"].startswith(f'inline; filename="{code}-')
    assert headers["content-disposition"].split(";")[1].strip().endswith('.jpg"')


async def test_a_heic_photo_is_accepted_and_stored_as_jpeg(client, tokens):
    r = await _submit(client, ("IMG_0002.HEIC", samples.photo((80, 60), fmt="HEIF"), "image/heic"))
    assert r.status_code == 201, r.text
    img, headers = await _original(client, tokens, r.json())
    assert img.format == "JPEG" and img.size == (80, 60)
    assert headers["content-type"] == "image/jpeg"


async def test_a_large_photo_is_stored_with_its_longest_side_bounded(client, tokens):
    r = await _submit(client, ("to.png", samples.photo((5000, 1000), fmt="PNG"), "image/png"))
    assert r.status_code == 201, r.text
    img, _ = await _original(client, tokens, r.json())
    assert img.size == (4096, 819)


async def test_a_photo_over_its_size_limit_is_413(client, engine):
    before = await _counts(engine)
    r = await _submit(client, ("to.jpg", b"\xff\xd8\xff\xe0" + b"\0" * (10 * 2**20 + 1), "image/jpeg"))
    assert r.status_code == 413 and r.json()["error"]["code"] == "file_too_large"
    assert await _counts(engine) == before
