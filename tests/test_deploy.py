"""deploy/ stays in step with the app: the example environment passes the production checks, nginx's body cap is
the app's largest, the SSE location is the real stream route, and every command the units run exists."""

from __future__ import annotations

import math
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from phananh.cli import app as cli
from phananh.config import Settings

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def _env_example() -> dict[str, str]:
    lines = (DEPLOY / "env.example").read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))


def test_the_example_environment_is_production_ready_once_the_secrets_are_filled(monkeypatch):
    env = _env_example()
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PHANANH_SECRET_KEY", "x" * 48)
    settings = Settings(_env_file=None)
    assert settings.production_problems() == []
    assert settings.env == "production" and settings.media_url.startswith("s3://") and settings.redis_url
    unknown = {n for n in env if n.startswith("PHANANH_") and n[len("PHANANH_"):].lower() not in Settings.model_fields}
    assert not unknown, f"deploy/env.example names settings the app does not have: {unknown}"


def test_nginx_lets_the_largest_upload_through_and_no_more():
    from phananh.server.body_limits import BodyLimits

    conf = (DEPLOY / "nginx" / "phananh.conf").read_text()
    size = re.search(r"client_max_body_size (\d+)m;", conf)
    assert size and int(size.group(1)) == math.ceil(BodyLimits(Settings(_env_file=None)).largest / 2**20)


def test_nginx_streams_the_real_sse_route_unbuffered(tmp_path):
    from phananh.app import create_app

    conf = (DEPLOY / "nginx" / "phananh.conf").read_text()
    block = re.search(r"location = (\S+) \{([^}]*)\}", conf[conf.index("stats/stream") - 20:])
    assert block and "proxy_buffering off" in block.group(2)
    app = create_app(Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}",
                              var_dir=tmp_path, media_dir=tmp_path / "media"))
    assert block.group(1) in app.openapi()["paths"]
    assert re.search(r"location = /metrics \{\s*return 404;", conf)


@pytest.mark.parametrize("unit", sorted(p.name for p in (DEPLOY / "systemd").glob("*.service")))
def test_every_unit_runs_a_command_that_exists(unit):
    text = (DEPLOY / "systemd" / unit).read_text()
    commands = re.findall(r"/opt/phananh/\.venv/bin/phananh ([^'\n>]+)", text)
    scripts = re.findall(r"ExecStart=/opt/phananh/(deploy/\S+)", text)
    assert commands or scripts
    for command in commands:
        args = [a for a in shlex.split(command) if not a.startswith("%")]
        words = [a for a in args if not a.startswith("-")][:2]
        r = CliRunner().invoke(cli, [*words, "--help"])
        assert r.exit_code == 0, (unit, command, r.output)
    for script in scripts:
        assert (DEPLOY.parent / script).stat().st_mode & 0o111, f"{script} is not executable"
    if unit == "phananh-serve@.service":
        assert "Environment=PHANANH_RUN_SWEEP=0" in text
