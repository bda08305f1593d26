"""`phananh move`: a seeded embedded install (SQLite, demo reports, a photo, a sealed audit chain) moved into a new
database — PostgreSQL, and SQLite too — with every table's count and checksum equal, sequences that continue, the
audit chain verifying, a non-empty target refused and an interrupted move finished by a re-run."""

from __future__ import annotations

import asyncio
import io
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import text

from phananh import move as mv
from phananh.config import Settings
from phananh.db import create_engine, utcnow
from phananh.tables import metadata
from tests.conftest import DEMO_PASSWORD, empty_pg_database, make_database
from tests.support_install import PHANANH, seed_and_seal, table_counts


def _photo() -> bytes:
    img = Image.new("RGB", (64, 48))
    img.putdata([((x * 9) % 256, (y * 5) % 256, 90) for y in range(48) for x in range(64)])
    buf = io.BytesIO()
    img.save(buf, "JPEG")
    return buf.getvalue()


async def _submit(url: str, settings: Settings, *, photo: bool = False) -> int:
    from phananh.auth.principal import Principal
    from phananh.reports import service
    from phananh.reports.media import check_upload
    from phananh.reports.schemas import ReportSubmit
    from phananh.workflow import Role

    data = ReportSubmit.model_validate({
        "category": "ve-sinh-moi-truong", "title": "Rác thải ven kênh", "description": "Rác thải đổ bừa bãi ven kênh xáng.",
        "location": {"lat": 9.1769, "lon": 105.1524}, "address": "Kênh xáng, phường An Xuyên", "anonymous": True,
        "consent": False, "language": "vi"})
    uploads = [check_upload("kenh.jpg", _photo(), settings)] if photo else []
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            submitted = await service.submit_report(conn, data=data, uploads=uploads,
                                                    principal=Principal(role=Role.anonymous), settings=settings,
                                                    now=utcnow(), channel="app")
        return submitted.report_id
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """An embedded install: Cà Mau's data, the demo's sample reports, a report with a photo, a sealed chain."""
    tmp = tmp_path_factory.mktemp("move-source")
    url, _drop = make_database("sqlite", tmp)
    settings = Settings(database_url=url, media_dir=tmp / "media", var_dir=tmp, demo_password=DEMO_PASSWORD)
    seed_and_seal(settings, also=lambda: _submit(url, settings, photo=True))
    return url, settings


def _empty_database(backend: str, tmp: Path) -> tuple[str, callable]:
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp / 'target.db'}", lambda: None
    return empty_pg_database("phananh_move")


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def moved(request, source, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"move-{request.param}")
    url, drop = _empty_database(request.param, tmp)
    src_url, settings = source
    result = asyncio.run(mv.move(src_url, url, settings=settings, media_to=f"file://{tmp / 'media-moved'}"))
    yield url, result, tmp / "media-moved"
    drop()


def _source_counts(src_url: str) -> dict[str, int]:
    db = sqlite3.connect(src_url.split("///", 1)[1])
    try:
        return {t.name: db.execute(f"SELECT count(*) FROM {t.name}").fetchone()[0] for t in metadata.sorted_tables}
    finally:
        db.close()


def test_every_table_arrives_with_equal_counts_and_checksums(moved, source):
    url, result, _media = moved
    assert result.ok, "\n".join(mv.report_lines(result))
    assert not result.resumed
    assert [t.table for t in result.tables] == [t.name for t in metadata.sorted_tables]
    expected = _source_counts(source[0])
    assert {t.table: t.source_rows for t in result.tables} == expected
    assert asyncio.run(table_counts(url)) == expected
    for t in result.tables:
        assert t.source_checksum == t.target_checksum, t.table
    assert expected["reports"] >= 30 and expected["events"] >= 100 and expected["audit_blocks"] >= 2
    lines = mv.report_lines(result)
    assert any(line.split()[:2] == ["reports", str(expected["reports"])] and line.endswith("ok") for line in lines)


def test_the_move_marker_is_gone_and_the_schema_is_current(moved, source):
    url, _result, _media = moved

    async def look():
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                names = await conn.run_sync(lambda c: __import__("sqlalchemy").inspect(c).get_table_names())
                heads = {r[0] for r in (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()}
            return set(names), heads
        finally:
            await engine.dispose()

    names, heads = asyncio.run(look())
    assert "move_progress" not in names
    assert {t.name for t in metadata.sorted_tables} <= names
    src = sqlite3.connect(source[0].split("///", 1)[1])
    assert heads == {r[0] for r in src.execute("SELECT version_num FROM alembic_version")}


def test_audit_chain_verifies_on_the_target(moved, source):
    from phananh.audit.verify import verify

    url, result, _media = moved
    assert result.audit_ok, result.audit_message

    async def check(u):
        engine = create_engine(u)
        try:
            return await verify(engine)
        finally:
            await engine.dispose()

    on_target, on_source = asyncio.run(check(url)), asyncio.run(check(source[0]))
    assert on_target.ok and on_source.ok
    assert on_target.head.hash == on_source.head.hash
    assert on_target.events_checked == on_source.events_checked > 0


def test_media_is_copied_byte_for_byte(moved, source):
    _url, result, media = moved
    originals = {p.relative_to(source[1].media_dir): p.read_bytes()
                 for p in source[1].media_dir.rglob("*") if p.is_file() and ".incoming" not in p.parts}
    assert originals, "the source has a photo"
    assert result.media.files == result.media.copied == len(originals) and not result.media.problems
    for rel, data in originals.items():
        assert (media / rel).read_bytes() == data


def test_a_report_made_after_the_move_gets_a_fresh_id(moved, source, tmp_path):
    url, result, media = moved
    top = {t.table: t.source_rows for t in result.tables}
    settings = Settings(database_url=url, media_dir=media, var_dir=tmp_path, demo_password=DEMO_PASSWORD)
    src_max = sqlite3.connect(source[0].split("///", 1)[1]).execute("SELECT max(id) FROM reports").fetchone()[0]
    new_id = asyncio.run(_submit(url, settings))
    assert new_id == src_max + 1
    counts = asyncio.run(table_counts(url))
    assert counts["reports"] == top["reports"] + 1 and counts["events"] > top["events"]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_target_with_data_is_refused_and_left_untouched(backend, source, tmp_path):
    url, drop = _empty_database(backend, tmp_path)
    try:
        async def foreign_table():
            engine = create_engine(url)
            try:
                async with engine.begin() as conn:
                    await conn.execute(text("CREATE TABLE ledger (id integer primary key, amount integer)"))
                    await conn.execute(text("INSERT INTO ledger VALUES (1, 500)"))
            finally:
                await engine.dispose()

        asyncio.run(foreign_table())
        with pytest.raises(mv.MoveRefused, match="not empty"):
            asyncio.run(mv.move(source[0], url))

        async def after():
            engine = create_engine(url)
            try:
                async with engine.connect() as conn:
                    rows = (await conn.execute(text("SELECT id, amount FROM ledger"))).all()
                    names = await conn.run_sync(lambda c: __import__("sqlalchemy").inspect(c).get_table_names())
                return rows, names
            finally:
                await engine.dispose()

        rows, names = asyncio.run(after())
        assert [tuple(r) for r in rows] == [(1, 500)] and names == ["ledger"]
    finally:
        drop()


def test_an_installed_database_is_refused(db_url, source):
    """A database in use (migrated, with users and reference data) — on either backend — is never written to."""
    before = asyncio.run(table_counts(db_url))
    with pytest.raises(mv.MoveRefused, match="not empty"):
        asyncio.run(mv.move(source[0], db_url))
    assert asyncio.run(table_counts(db_url)) == before


class Interrupted(Exception):
    pass


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_an_interrupted_move_finishes_on_a_re_run(backend, source, tmp_path):
    url, drop = _empty_database(backend, tmp_path)
    try:
        seen: list[tuple[str, int]] = []

        def stop_mid_events(table, rows):
            seen.append((table, rows))
            if table == "events" and rows >= 100:
                raise Interrupted

        with pytest.raises(Interrupted):
            asyncio.run(mv.move(source[0], url, batch_rows=50, on_batch=stop_mid_events))
        partial = asyncio.run(table_counts(url))
        assert partial["events"] == 100 and partial["reports"] == _source_counts(source[0])["reports"]
        assert partial["sla_clocks"] == 0  # not reached

        # A second run pointed at another source by mistake is refused.
        other = tmp_path / "other.db"
        with sqlite3.connect(source[0].split("///", 1)[1]) as a, sqlite3.connect(other) as b:
            a.backup(b)
        with pytest.raises(mv.MoveRefused, match="another source"):
            asyncio.run(mv.move(f"sqlite+aiosqlite:///{other}", url))

        resumed: list[tuple[str, int]] = []
        result = asyncio.run(mv.move(source[0], url, batch_rows=50, on_batch=lambda t, n: resumed.append((t, n))))
        assert result.ok and result.resumed, "\n".join(mv.report_lines(result))
        assert asyncio.run(table_counts(url)) == _source_counts(source[0])
        # Resumed where it stopped: tables finished before are not copied again, events continue after row 100.
        assert ("reports", 50) not in resumed and resumed[0] == ("events", 150)
    finally:
        drop()


def test_cli_prints_the_table_and_refuses_a_second_run(source, tmp_path):
    url, drop = _empty_database("postgres", tmp_path)
    src_url, settings = source
    env = {**os.environ, "PHANANH_DATABASE_URL": src_url, "PHANANH_MEDIA_DIR": str(settings.media_dir),
           "PHANANH_VAR_DIR": str(tmp_path)}
    try:
        args = [PHANANH, "move", "--to", url.replace("postgresql+asyncpg://", "postgresql://"),
                "--media-to", f"file://{tmp_path / 'media'}"]
        first = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
        assert first.returncode == 0, first.stdout + first.stderr
        out = first.stdout.splitlines()
        assert out[1].split()[:4] == ["table", "rows", "checksum", "ok"]
        assert sum(1 for line in out[2:] if line.endswith("  ok")) == len(metadata.sorted_tables)
        assert "audit chain on the target: ok" in first.stdout and "media: 1 files" in first.stdout
        again = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
        assert again.returncode == 1 and "not empty" in again.stderr
    finally:
        drop()


def test_a_row_postgresql_refuses_stops_the_move_by_name_and_the_fixed_source_resumes(source, tmp_path):
    """SQLite never checks a column's length; PostgreSQL does. The move names the table, keeps what it copied,
    and finishes once the row is fixed."""
    url, drop = _empty_database("postgres", tmp_path)
    copy = tmp_path / "source.db"
    with sqlite3.connect(source[0].split("///", 1)[1]) as a, sqlite3.connect(copy) as b:
        a.backup(b)
    db = sqlite3.connect(copy)
    db.execute("UPDATE reports SET title = ? WHERE id = (SELECT max(id) FROM reports)", ("Rác " * 100,))
    db.commit()
    try:
        with pytest.raises(mv.MoveFailed, match="Table reports could not be copied"):
            asyncio.run(mv.move(f"sqlite+aiosqlite:///{copy}", url, batch_rows=10))
        assert 0 < asyncio.run(table_counts(url))["reports"] < _source_counts(f"sqlite:///{copy}")["reports"]
        db.execute("UPDATE reports SET title = 'Rác thải' WHERE id = (SELECT max(id) FROM reports)")
        db.commit()
        result = asyncio.run(mv.move(f"sqlite+aiosqlite:///{copy}", url, batch_rows=10))
        assert result.ok and result.resumed, "\n".join(mv.report_lines(result))
    finally:
        db.close()
        drop()
