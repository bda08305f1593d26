"""Schemathesis over our own OpenAPI schema: no server error, no response that violates the schema."""

import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import DEMO_PASSWORD
from tests.live_server import live_server, prepared_sqlite

MAX_EXAMPLES = 12


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("schemathesis")
    # The fuzzed logins fail by the dozen from one address: without this the per-IP budget (30 failed sign-ins
    # an hour) would refuse the dispatcher's own sign-in in the second run.
    with live_server(prepared_sqlite(tmp, DEMO_PASSWORD), tmp, env={"PHANANH_LIMIT_LOGIN_FAILURES_PER_IP": ""}) as base:
        yield base


def _st(base: str, *headers: str) -> subprocess.CompletedProcess:
    st = shutil.which("st", path=str(Path(sys.executable).parent)) or "st"
    args = [st, "run", f"{base}/api/v1/openapi.json", "--checks", "not_a_server_error,response_schema_conformance",
            "--max-examples", str(MAX_EXAMPLES), "--max-time", "120", "--request-timeout", "30", "--seed", "20261129",
            "--phases", "examples,coverage,fuzzing", "--suppress-health-check", "all",
            "--exclude-path-regex", "stream|logout"]  # logout would revoke the run's own token
    for h in headers:
        args += ["-H", h]
    return subprocess.run(args, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_schemathesis_anonymous_finds_no_server_error_or_schema_violation(server):
    result = _st(server)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


@pytest.mark.slow
def test_schemathesis_as_dispatcher_finds_no_server_error_or_schema_violation(server):
    token = httpx.post(f"{server}/api/v1/auth/login",
                       json={"username": "dispatcher", "password": DEMO_PASSWORD}).json()["access_token"]
    result = _st(server, f"Authorization: Bearer {token}")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
