"""An API key given in a query string never reaches a log line; the X-Api-Key header is the preferred way."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from phananh.logs import LOGGING_CONFIG, RedactSecrets, install_redaction, redact
from tests.support import partner_api_key

SECRET = "k3y-Bi-Mat-0123456789abcdef"
PHANANH = str(Path(sys.executable).with_name("phananh"))


@pytest.mark.parametrize("text,expected", [
    (f"GET /open311/v2/requests.json?api_key={SECRET}&x=1", "GET /open311/v2/requests.json?api_key=[redacted]&x=1"),
    (f"/open311/v2/requests.json?service_code=a&API_KEY={SECRET}", "/open311/v2/requests.json?service_code=a&API_KEY=[redacted]"),
    (f"/api/v1/media/7?tracking_token={SECRET}", "/api/v1/media/7?tracking_token=[redacted]"),
    (f"body api_key%3D{SECRET}", "body api_key%3D[redacted]"),
    ("/open311/v2/requests.json?my_api_key_hint=1", "/open311/v2/requests.json?my_api_key_hint=1"),
])
def test_secret_query_parameters_are_redacted(text, expected):
    assert redact(text) == expected


def test_every_logger_redacts_message_and_arguments(caplog):
    install_redaction()
    with caplog.at_level(logging.INFO):
        logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', "10.0.0.1:5000", "GET",
                                                 f"/open311/v2/requests.json?api_key={SECRET}", "1.1", 200)
        logging.getLogger("phananh.anything").warning(f"retrying /x?api_key={SECRET}")
        logging.getLogger("httpx").info("%(url)s", {"url": f"https://p.example/?api_key={SECRET}"})
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert SECRET not in text
    assert text.count("api_key=[redacted]") == 3


def test_uvicorn_log_config_filters_every_handler():
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s "%s %s"', ("c", "GET", f"/?api_key={SECRET}"),
                               None)
    assert RedactSecrets().filter(record) and SECRET not in record.getMessage()
    for handler in LOGGING_CONFIG["handlers"].values():
        assert "redact_secrets" in handler["filters"]


async def test_open311_takes_the_key_in_the_header(client, tokens):
    from tests.open311.conftest import request_form

    key = await partner_api_key(client, tokens, "Đối tác tiêu đề")
    r = await client.post("/open311/v2/requests.json", data=request_form(), headers={"X-Api-Key": key})
    assert r.status_code == 200, r.text
    r = await client.post("/open311/v2/requests.json", data=request_form(), headers={"X-Api-Key": "sai"})
    assert r.status_code in (400, 401, 403), r.text


def test_a_real_server_access_log_has_no_key(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PHANANH_")}
    env.update(PHANANH_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/log.db", PHANANH_VAR_DIR=str(tmp_path),
               PHANANH_MEDIA_DIR=str(tmp_path / "media"), PHANANH_RUN_SWEEP="0")
    log = tmp_path / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([PHANANH, "serve", "--port", str(port)], env=env, cwd=tmp_path,
                                stdout=out, stderr=subprocess.STDOUT)
        try:
            for _ in range(100):
                try:
                    r = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", params={"api_key": SECRET}, timeout=2)
                    break
                except httpx.TransportError:
                    time.sleep(0.2)
            assert r.status_code == 200
            time.sleep(0.3)
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    text = log.read_text()
    assert "/api/v1/health?api_key=[redacted]" in text, text[-2000:]
    assert SECRET not in text
