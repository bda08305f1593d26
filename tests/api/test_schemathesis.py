"""Schemathesis over our own OpenAPI schema, every operation: no server error, no response that violates the
schema, and no status that the operation does not declare (`status_code_conformance`)."""

import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import DEMO_PASSWORD
from tests.live_server import live_server, prepared_sqlite

MAX_EXAMPLES = 12
MAX_SECONDS = 45  # per run: the fuzzing phase repeats until the budget is spent (two runs, about 2 minutes)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("schemathesis")
    # The fuzzed logins fail by the dozen from one address: without this the per-IP budget (30 failed sign-ins
    # an hour) would refuse the dispatcher's own sign-in in the second run.
    with live_server(prepared_sqlite(tmp, DEMO_PASSWORD), tmp, env={"PHANANH_LIMIT_LOGIN_FAILURES_PER_IP": ""}) as base:
        yield base


def _st(base: str, *headers: str, exclude: str | None = None) -> subprocess.CompletedProcess:
    st = shutil.which("st", path=str(Path(sys.executable).parent)) or "st"
    args = [st, "run", f"{base}/api/v1/openapi.json",
            "--checks", "not_a_server_error,response_schema_conformance,status_code_conformance",
            "--max-examples", str(MAX_EXAMPLES), "--max-time", str(MAX_SECONDS), "--request-timeout", "30",
            "--seed", "20261129", "--phases", "examples,coverage,fuzzing", "--suppress-health-check", "all"]
    if exclude:
        args += ["--exclude-path-regex", exclude]
    for h in headers:
        args += ["-H", h]
    return subprocess.run(args, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_schemathesis_anonymous_finds_no_server_error_schema_violation_or_undeclared_status(server):
    result = _st(server)  # every operation: signed out, the live stream and logout answer 401 at once
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


@pytest.mark.slow
def test_schemathesis_as_dispatcher_finds_no_server_error_schema_violation_or_undeclared_status(server):
    token = httpx.post(f"{server}/api/v1/auth/login",
                       json={"username": "dispatcher", "password": DEMO_PASSWORD}).json()["access_token"]
    # The live stream stays open (it is fuzzed signed out above); logout would revoke the run's own token.
    result = _st(server, f"Authorization: Bearer {token}", exclude="stats/stream|auth/logout")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
