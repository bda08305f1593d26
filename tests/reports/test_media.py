"""Photos and videos: checked by content, stored, served only to those who may see the report."""

import io
import json

from PIL import Image

from phananh.reports import derivatives
from tests.reports.test_bad_input import jpeg_bytes
from tests.security import samples
from tests.support import AGENCY, act, report_body


def png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 90, 200)).save(buf, "PNG")
    return buf.getvalue()


def mp4_bytes() -> bytes:
    return samples.video()


async def test_photos_and_video_are_accepted_by_content_not_by_name(client, tokens):
    files = [("files", ("anh-chup.bin", jpeg_bytes(), "application/octet-stream")),
             ("files", ("ban-do.jpg", png_bytes(), "image/jpeg")),
             ("files", ("clip.mp4", mp4_bytes(), "video/mp4"))]
    r = await client.post("/api/v1/reports", data={"report": json.dumps(report_body())}, files=files)
    assert r.status_code == 201, r.text
    staff_view = (await client.get(f"/api/v1/reports/{r.json()['id']}", headers=await tokens("dispatcher"))).json()
    kinds = [(m["kind"], m["content_type"]) for m in staff_view["media"]]
    # photos are stored re-encoded as JPEG, whatever they came as
    assert kinds == [("photo", "image/jpeg"), ("photo", "image/jpeg"), ("video", "video/mp4")]


async def test_media_is_served_only_to_those_who_may_see_the_report(client, tokens, engine, settings):
    photo = jpeg_bytes()
    r = await client.post("/api/v1/reports", data={"report": json.dumps(report_body())},
                          files={"files": ("a.jpg", photo, "image/jpeg")})
    created = r.json()
    url = created["media"][0]["url"]
    await derivatives.process_due(engine, settings, limit=10_000)  # the worker makes the public copy (tests/privacy)
    assert (await client.get(url)).status_code == 404  # the public: not published yet
    staff = await client.get(url, headers=await tokens("dispatcher"))
    assert staff.status_code == 200 and staff.headers["content-type"] == "image/jpeg"
    original = await client.get(created["media"][0]["url"] + "/original", headers=await tokens("dispatcher"))
    assert original.status_code == 200 and original.headers["content-type"] == "image/jpeg"
    assert (await client.get(url, params={"tracking_token": created["tracking_token"]})).status_code == 200
    assert (await client.get(url, headers=await tokens(f"handler.{AGENCY}"))).status_code == 404


async def test_resolve_with_photos_attaches_result_media(client, tokens, engine, settings):
    dispatcher, handler = await tokens("dispatcher"), await tokens(f"handler.{AGENCY}")
    created = (await client.post("/api/v1/reports", json=report_body())).json()
    await act(client, created["id"], "assign", {"agency": AGENCY}, dispatcher)
    r = await client.post(f"/api/v1/reports/{created['id']}/actions/resolve", headers=handler,
                          data={"body": json.dumps({"result": "Đã dọn sạch rác"})},
                          files={"files": ("sau-xu-ly.jpg", jpeg_bytes((80, 60)), "image/jpeg")})
    assert r.status_code == 200, r.text
    assert [m["purpose"] for m in r.json()["media"]] == ["result"]
    # the public sees the result photo only once published
    await act(client, created["id"], "publish", {}, dispatcher)
    await derivatives.process_due(engine, settings, limit=10_000)
    public = (await client.get(f"/api/v1/reports/{created['id']}")).json()
    assert [m["purpose"] for m in public["media"]] == ["result"]
    assert (await client.get(public["media"][0]["url"])).status_code == 200
