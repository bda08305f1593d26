"""PHANANH_ENV=production refuses unsafe settings and says what to set; the embedded demo says it is one;
every PHANANH_* value lives in one settings object."""

from __future__ import annotations

import logging
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from phananh import config
from phananh.app import create_app
from phananh.config import DEFAULT_SECRET_KEY, ProductionSettingsError, Settings, check_startup

SRC = Path(__file__).resolve().parents[2] / "src" / "phananh"
PHANANH = str(Path(sys.executable).with_name("phananh"))
SAFE = dict(env="production", secret_key="k" * 48, sms_backend="http", sms_gateway_url="https://sms.example.vn/send",
            database_url="postgresql+asyncpg://phananh@db.internal/phananh", public_url="https://phananh.camau.gov.vn")


def _clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PHANANH_")}
    return {**env, **extra}


def test_production_names_every_unsafe_setting_at_once():
    with pytest.raises(ProductionSettingsError) as caught:
        check_startup(Settings(env="production"))
    text = str(caught.value)
    for setting in ("PHANANH_SECRET_KEY", "PHANANH_SMS_BACKEND", "PHANANH_DATABASE_URL", "PHANANH_PUBLIC_URL"):
        assert setting in text
    assert len(caught.value.problems) == 4


@pytest.mark.parametrize("change,setting", [
    ({"secret_key": DEFAULT_SECRET_KEY}, "PHANANH_SECRET_KEY"),
    ({"secret_key": "x" * 31}, "PHANANH_SECRET_KEY"),
    ({"sms_backend": "log"}, "PHANANH_SMS_BACKEND"),
    ({"database_url": "sqlite+aiosqlite:///var/phananh.db"}, "PHANANH_DATABASE_URL"),
    ({"public_url": None}, "PHANANH_PUBLIC_URL"),
    ({"public_url": "http://phananh.camau.gov.vn"}, "PHANANH_PUBLIC_URL"),
])
def test_each_unsafe_setting_alone_stops_production(change, setting):
    problems = Settings(**{**SAFE, **change}).production_problems()
    assert len(problems) == 1 and problems[0].startswith(setting)


def test_safe_production_settings_start_the_app():
    check_startup(Settings(**SAFE))
    assert create_app(Settings(**SAFE)).state.settings.env == "production"


def test_create_app_refuses_unsafe_production_settings():
    with pytest.raises(SystemExit):
        create_app(Settings(env="production"))


def test_an_unknown_environment_is_refused():
    with pytest.raises(ProductionSettingsError, match="PHANANH_ENV"):
        check_startup(Settings(env="prod"))


def test_development_with_the_default_key_warns_once_per_start(caplog, monkeypatch):
    monkeypatch.setattr(config, "_warned", [])
    with caplog.at_level(logging.WARNING, logger="phananh"):
        check_startup(Settings())
    assert [r for r in caplog.records if "PHANANH_SECRET_KEY" in r.getMessage()]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="phananh"):
        check_startup(Settings())
        check_startup(Settings(secret_key="s" * 40))
    assert not caplog.records


@pytest.mark.parametrize("command", [["serve", "--port", "1"], ["worker"]])
def test_the_cli_exits_listing_what_to_set(command, tmp_path):
    done = subprocess.run([PHANANH, *command], env=_clean_env(PHANANH_ENV="production", PHANANH_VAR_DIR=str(tmp_path)),
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode != 0
    for setting in ("PHANANH_SECRET_KEY", "PHANANH_SMS_BACKEND", "PHANANH_DATABASE_URL", "PHANANH_PUBLIC_URL"):
        assert setting in done.stderr
    assert "Traceback" not in done.stderr


def test_the_embedded_demo_says_it_is_not_production(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = _clean_env(PHANANH_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/demo.db", PHANANH_VAR_DIR=str(tmp_path),
                     PHANANH_MEDIA_DIR=str(tmp_path / "media"))
    proc = subprocess.Popen([PHANANH, "serve", "--port", str(port)], env=env, cwd=tmp_path, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        first = proc.stdout.readline()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert "không dùng cho vận hành thật" in first and "not production" in first


# Environment variables of other programs, which those programs read themselves (not PHANANH_* settings).
OTHER_PROGRAMS = {"ops/metrics.py": "PROMETHEUS_MULTIPROC_DIR (prometheus_client's multiprocess mode)"}


def test_no_module_reads_the_environment_but_config():
    readers = [str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
               if p.name != "config.py" and re.search(r"\bos\.environ\b|\bos\.getenv\b|\bgetenv\(", p.read_text())]
    assert set(readers) <= set(OTHER_PROGRAMS), \
        f"read PHANANH_* settings through phananh.config.Settings, not os.environ: {readers}"
    for name in readers:
        assert "PHANANH_" not in (SRC / name).read_text(), name


def test_no_second_settings_class():
    others = [str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
              if p.name != "config.py" and "BaseSettings" in p.read_text()]
    assert others == [], f"one settings object (phananh.config.Settings): {others}"
