"""Published Open311 clients from PyPI, unchanged, against a real server process (uvicorn) on a free port.

- civicbot 0.4.0 (`civicbot.open311.Open311Client`): a GeoReport v2 client that reads and, when told to, posts.
- georeport 0.3.1 (`georeport.GeoReport`): a read-only client; here in XML mode, parsed by xmltodict.
Older clients were tried and cannot run on Python 3.11: `three` 0.8.0 imports `itertools.ifilter`
(Python 2 only) and `open311` 1.1 uses Python 2 implicit relative imports (`from api import API`).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from xml.etree import ElementTree as ET

import httpx
import pytest
from civicbot.http import HttpTransport, RateLimiter
from civicbot.open311 import CONFIRM_TOKEN, Open311Client
from civicbot.registry import Endpoint
from georeport import GeoReport

from tests.conftest import DEMO_PASSWORD
from tests.live_server import free_port, prepared_sqlite

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """(base URL, partner key): uvicorn on its own migrated SQLite database, a key made by the CLI."""
    tmp = tmp_path_factory.mktemp("open311-live")
    env = {**os.environ, "PHANANH_DATABASE_URL": prepared_sqlite(tmp, DEMO_PASSWORD, name="open311.db"), "PHANANH_MEDIA_DIR": str(tmp / "media"),
           "PHANANH_VAR_DIR": str(tmp)}
    made = subprocess.run([str(BIN / "phananh"), "api-key", "create", "Ứng dụng Cà Mau 311"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip().splitlines()[-1]
    assert key.startswith("pa311_") and " " not in key
    listed = subprocess.run([str(BIN / "phananh"), "api-key", "list"], env=env, capture_output=True, text=True,
                            timeout=60)
    assert "open311:ung-dung-ca-mau-311" in listed.stdout and key not in listed.stdout

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "phananh.asgi:app", "--host", "127.0.0.1",
                             "--port", str(port), "--log-level", "warning"], env=env, cwd=tmp)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.1)
        yield base, key
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def make_public(base: str, rid: str) -> None:
    """The Portal reviews the request (until then Open311 shows only its code, status and times)."""
    login = httpx.post(f"{base}/api/v1/auth/login", json={"username": "dispatcher", "password": DEMO_PASSWORD})
    assert login.status_code == 200, login.text
    r = httpx.post(f"{base}/api/v1/reports/{rid}/actions/make_public", json={},
                   headers={"Authorization": f"Bearer {login.json()['access_token']}"})
    assert r.status_code == 200, r.text


def test_civicbot_client_lists_defines_posts_reads_back_and_filters(server):
    base, key = server
    endpoint = Endpoint(id="ca-mau", name="Cà Mau", base_url=f"{base}/open311/v2", write=True)
    client = Open311Client(endpoint, transport=HttpTransport(rate_limiter=RateLimiter(min_interval=0)))

    services = client.list_services()
    road = next(s for s in services if s["service_code"] == "giao-thong")
    assert road["metadata"] is True and road["type"] == "realtime"
    definition = client.get_service_definition("giao-thong")
    assert [a["code"] for a in definition["attributes"]] == ["muc-do", "phuong-tien", "kich-thuoc"]

    sent = client.create_request(
        "giao-thong", dry_run=False, confirm=CONFIRM_TOKEN, api_key=key, validate_remote=True,
        lat=9.1769, lng=105.1524, address_string="Đường Lý Thường Kiệt, phường An Xuyên",
        description="Ổ gà lớn trước chợ, xe máy dễ té ngã.", attributes={"muc-do": "cao", "phuong-tien": ["xe-may"]},
        first_name="Văn Tư", last_name="Lê", email="tu.le@example.vn", device_id="civicbot-1", account_id="u-42",
    )
    [answer] = sent.response
    rid = answer["service_request_id"]
    assert rid.startswith("PA-") and answer["account_id"] == "u-42" and answer["service_notice"]

    assert client.get_request(rid)["description"] is None  # not reviewed yet
    make_public(base, rid)
    request = client.get_request(rid)
    assert (request["service_code"], request["status"], request["description"]) == (
        "giao-thong", "open", "Ổ gà lớn trước chợ, xe máy dễ té ngã.\n\n- Mức độ nguy hiểm cho người đi đường? "
        "Nguy hiểm\n- Phương tiện bị ảnh hưởng? Xe máy")
    assert "tu.le@example.vn" not in str(request)

    now = datetime.now(timezone.utc)
    window = dict(start_date=(now - timedelta(days=1)).isoformat(), end_date=(now + timedelta(minutes=1)).isoformat())
    assert rid in {r["service_request_id"] for r in client.list_requests(service_code="giao-thong", status="open",
                                                                           **window)}
    assert client.list_requests(service_code="giao-thong", status="closed", **window) == []
    assert [r["service_request_id"] for r in client.list_requests(service_request_ids=[rid])] == [rid]
    assert len(client.list_requests(page_size=1)) == 1


def test_georeport_client_reads_our_xml(server):
    base, key = server
    posted = httpx.post(f"{base}/open311/v2/requests.xml", data={
        "api_key": key, "service_code": "dien-chieu-sang", "address_id": "xa-dat-mui", "description": "Đèn đường tắt",
    })
    assert posted.status_code == 200, posted.text
    make_public(base, ET.fromstring(posted.text).findtext("request/service_request_id"))
    xml_client = GeoReport(f"{base}/open311/v2", output_format="xml")
    services = xml_client.get_service_list()
    assert {"giao-thong", "dien-chieu-sang"} <= {s["service_code"] for s in services}
    definition = xml_client.get_service_definition("dien-chieu-sang")
    assert definition["service_code"] == "dien-chieu-sang"
    assert [a["datatype"] for a in definition["attributes"]["attribute"]] == ["string", "datetime"]
    listed = xml_client.get_service_requests(service_code="dien-chieu-sang", status="open")
    listed = listed if isinstance(listed, list) else [listed]
    [lamp] = [r for r in listed if r["description"] == "Đèn đường tắt"]
    one = xml_client.get_service_request(lamp["service_request_id"])
    assert (one["address_id"], one["status"]) == ("xa-dat-mui", "open")
    json_client = GeoReport(f"{base}/open311/v2")
    assert json_client.get_service_request(lamp["service_request_id"])["service_name"] == "Điện – chiếu sáng"
