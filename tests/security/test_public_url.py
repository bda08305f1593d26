"""Absolute URLs come from PHANANH_PUBLIC_URL, never from the Host header a client sends."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import httpx
import pytest
from PIL import Image

from phananh.app import create_app
from tests.conftest import Clock
from tests.open311.conftest import request_form
from tests.support import act, partner_api_key

PUBLIC = "https://phananh.camau.gov.vn"
EVIL = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}


@pytest.fixture(scope="module")
async def public_client(settings, engine):
    app = create_app(settings.model_copy(update={"public_url": PUBLIC + "/"}))
    app.state.engine, app.state.clock = engine, Clock()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://evil.example") as c:
        yield c


async def test_open311_discovery_names_the_public_address(public_client):
    for fmt in ("json", "xml"):
        r = await public_client.get(f"/open311/v2/discovery.{fmt}", headers=EVIL)
        assert r.status_code == 200
        assert "evil.example" not in r.text
        assert f"{PUBLIC}/open311/v2" in r.text


async def test_the_host_header_is_no_jurisdiction(public_client):
    r = await public_client.get("/open311/v2/services.json", params={"jurisdiction_id": "evil.example"}, headers=EVIL)
    assert r.status_code == 404
    r = await public_client.get("/open311/v2/services.json", params={"jurisdiction_id": "phananh.camau.gov.vn"})
    assert r.status_code == 200


async def test_open311_media_url_and_every_answer_use_the_public_address(public_client, client, tokens):
    key = await partner_api_key(client, tokens, "Kiểm thử địa chỉ")
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "JPEG")
    form = {"api_key": key, **request_form()}
    r = await public_client.post("/open311/v2/requests.json", data=form, headers=EVIL,
                                 files={"media": ("o-ga.jpg", buf.getvalue(), "image/jpeg")})
    assert r.status_code == 200, r.text
    rid = r.json()[0]["service_request_id"]
    dispatcher = await tokens("dispatcher")
    await act(client, rid, "assign", {"agency": "so-xay-dung"}, headers=dispatcher)
    await act(client, rid, "resolve", {"result": "Đã xử lý"}, headers=await tokens("handler.so-xay-dung"))
    await act(client, rid, "publish", {}, headers=dispatcher)
    answers = [await public_client.get(f"/open311/v2/requests/{rid}.{fmt}", headers=EVIL) for fmt in ("json", "xml")]
    answers.append(await public_client.get("/open311/v2/servicerequestupdates.json", headers=EVIL,
                                           params={"start_date": "2020-01-01T00:00:00Z"}))
    for answer in answers:
        assert answer.status_code == 200, answer.text
        assert "evil.example" not in answer.text and "testserver" not in answer.text
    url = answers[0].json()[0]["media_url"]
    assert url.startswith(f"{PUBLIC}/api/v1/media/"), url
    assert ET.fromstring(answers[1].content).find(".//media_url").text == url


async def test_pages_and_notifications_never_echo_the_host(public_client, tokens):
    for path in ("/", "/cong-khai", "/thong-ke", "/dashboard", "/api/v1/openapi.json"):
        r = await public_client.get(path, headers=EVIL)
        assert r.status_code == 200, path
        assert "evil.example" not in r.text, path
    r = await public_client.get("/api/v1/notifications", headers={**EVIL, **await tokens("dispatcher")})
    assert r.status_code == 200 and "evil.example" not in r.text


def test_without_a_public_url_the_demo_address_is_used(settings):
    assert settings.public_url is None and settings.base_url == "http://127.0.0.1:8000"
    assert settings.model_copy(update={"public_url": PUBLIC + "/"}).base_url == PUBLIC
