"""The restore drill of deploy/README.md: a production database (PostgreSQL) with reports and a sealed audit chain is
dumped with `pg_dump -Fc`, restored with `pg_restore` into a fresh database, and `phananh audit verify` passes on
the copy with every table's count equal; an event altered after the restore is caught."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text

from phananh.config import Settings
from phananh.db import create_engine
from tests.conftest import DEMO_PASSWORD, _pg_dsn, empty_pg_database, make_database
from tests.support_install import PHANANH, seed_and_seal, table_counts

pytestmark = pytest.mark.skipif(not (shutil.which("pg_dump") and shutil.which("pg_restore")),
                                reason="pg_dump and pg_restore are needed for the restore drill")


def _phananh(url: str, tmp: Path, *args) -> subprocess.CompletedProcess:
    env = {**os.environ, "PHANANH_DATABASE_URL": url, "PHANANH_MEDIA_DIR": str(tmp / "media"),
           "PHANANH_VAR_DIR": str(tmp)}
    return subprocess.run([PHANANH, *args], env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """A PostgreSQL install with the demo's sample reports and its events sealed into blocks."""
    tmp = tmp_path_factory.mktemp("drill")
    url, drop = make_database("postgres", tmp)
    seed_and_seal(Settings(database_url=url, media_dir=tmp / "media", var_dir=tmp, demo_password=DEMO_PASSWORD))
    yield url, tmp
    drop()


@pytest.fixture(scope="module")
def restored(production):
    """deploy/README.md, "Restore": pg_dump -Fc of the live database, pg_restore into a new one."""
    url, tmp = production
    dump = tmp / "phananh.dump"
    subprocess.run(["pg_dump", "-Fc", "--no-owner", "-f", str(dump), _pg_dsn(url)], check=True, timeout=300)
    restored_url, drop = empty_pg_database("phananh_restored")
    subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "-d", _pg_dsn(restored_url), str(dump)],
                   check=True, timeout=300)
    yield restored_url
    drop()


def test_audit_verify_passes_on_the_restored_database(production, restored):
    url, tmp = production
    original = _phananh(url, tmp, "audit", "verify")
    copy = _phananh(restored, tmp, "audit", "verify")
    assert original.returncode == 0, original.stdout + original.stderr
    assert copy.returncode == 0, copy.stdout + copy.stderr
    assert copy.stdout.startswith("OK: ")
    # The same head: the copy is the chain that was published, not merely a chain that holds.
    head = _phananh(url, tmp, "audit", "head").stdout.split()[0]
    assert f"head {head}" in copy.stdout
    assert _phananh(restored, tmp, "audit", "verify", "--published", head).returncode == 0


def test_every_table_is_restored_with_its_rows(production, restored):
    before, after = asyncio.run(table_counts(production[0])), asyncio.run(table_counts(restored))
    assert before["reports"] >= 30 and before["audit_blocks"] >= 2
    # `audit verify` records each run; the drill ran one more on the restored copy than was dumped.
    before.pop("audit_verifications"), after.pop("audit_verifications")
    assert after == before


def test_an_event_altered_after_the_restore_is_caught(production, restored):
    async def tamper():
        engine = create_engine(restored)
        try:
            async with engine.begin() as conn:
                return (await conn.execute(text(
                    "UPDATE events SET payload = '{\"reason\": \"đã sửa\"}' "
                    "WHERE id = (SELECT min(event_id) FROM audit_events) RETURNING id"))).scalar_one()
        finally:
            await engine.dispose()

    event_id = asyncio.run(tamper())
    r = _phananh(restored, production[1], "audit", "verify")
    assert r.returncode == 1 and f"Event {event_id} was altered" in r.stdout
