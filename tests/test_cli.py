"""The `phananh` command line on a fresh SQLite database: migrate, seed-demo, create-user, calendar."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PHANANH = str(Path(sys.executable).parent / "phananh")


@pytest.fixture(scope="module")
def fresh_db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    env = {**os.environ, "PHANANH_DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'cli.db'}",
           "PHANANH_MEDIA_DIR": str(tmp / "media"), "PHANANH_VAR_DIR": str(tmp), "PHANANH_DEMO_PASSWORD": "mat-khau-demo"}
    env["migrated"], env["seeded"] = run(env, "migrate"), run(env, "seed-demo")
    return env


def run(env, *args, input=None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in env.items() if isinstance(v, str)}
    return subprocess.run([PHANANH, *args], env=env, capture_output=True, text=True, timeout=180, input=input)


def test_migrate_and_seed_demo_make_a_living_system(fresh_db):
    assert fresh_db["migrated"].returncode == 0, fresh_db["migrated"].stderr
    seeded = fresh_db["seeded"]
    assert seeded.returncode == 0, seeded.stderr
    assert "mat-khau-demo" in seeded.stdout
    again = run(fresh_db, "seed-demo")
    assert "already has data" in again.stdout

    import sqlite3

    db = sqlite3.connect(fresh_db["PHANANH_DATABASE_URL"].split("///", 1)[1])
    states = dict(db.execute("select status, count(*) from reports group by status").fetchall())
    assert set(states) == {"received", "assigned", "returned", "in_progress", "resolved", "published", "closed",
                           "rejected", "merged"}
    assert sum(states.values()) >= 30
    now = db.execute("select strftime('%Y-%m-%d %H:%M:%f', 'now')").fetchone()[0]
    overdue = db.execute("select count(*) from sla_clocks where stopped_at is null and due_at < ?", (now,)).fetchone()[0]
    at_risk = db.execute("select count(*) from sla_clocks where stopped_at is null and at_risk_at < ? and due_at >= ?",
                         (now, now)).fetchone()[0]
    on_time = db.execute("select count(*) from sla_clocks where stopped_at is null and at_risk_at >= ?", (now,)).fetchone()[0]
    assert overdue and at_risk and on_time, (overdue, at_risk, on_time)
    assert db.execute("select count(*) from areas").fetchone()[0] == 64
    users = {r[0] for r in db.execute("select username from users")}
    assert {"admin", "dispatcher", "supervisor", "handler.so-y-te", "leader.ubnd-xa-dat-mui"} <= users
    # every event has its report, every report its submit event
    assert db.execute("select count(*) from reports r where not exists "
                      "(select 1 from events e where e.report_id = r.id and e.action = 'submit')").fetchone()[0] == 0


def test_create_user(fresh_db):
    r = run(fresh_db, "create-user", "canbo.moi", "--role", "handler", "--agency", "so-y-te", "--password", "bi-mat-cua-can-bo")
    assert r.returncode == 0, r.stderr
    bad = run(fresh_db, "create-user", "x", "--role", "vua", "--password", "p")
    assert bad.returncode != 0 and "unknown staff role" in bad.stderr


@pytest.mark.parametrize("args, expected", [
    (["--stage", "distribute", "--start", "2026-12-02T09:15:00+07:00"], "2026-12-02T11:15:00+07:00"),
    (["--stage", "distribute", "--start", "2026-12-04T23:30:00+07:00"], "2026-12-05T01:30:00+07:00"),
    (["--stage", "distribute", "--start", "2026-12-05T09:15:00+07:00"], "2026-12-05T21:15:00+07:00"),
    (["--stage", "distribute", "--start", "2026-12-04T16:30:00+07:00", "--mode", "office_hours"], "2026-12-07T08:30:00+07:00"),
    (["--stage", "distribute", "--start", "2026-12-02T11:30:00+07:00", "--mode", "office_hours"], "2026-12-02T15:00:00+07:00"),
    (["--stage", "distribute", "--start", "2026-12-02T06:30:00+07:00", "--mode", "office_hours"], "2026-12-02T09:00:00+07:00"),
    (["--stage", "distribute", "--start", "2026-12-02T20:00:00+07:00", "--mode", "office_hours"], "2026-12-03T08:00:00+07:00"),
    (["--stage", "respond", "--start", "2026-12-02T02:00:00Z"], "2026-12-02T13:00:00+07:00"),
])
def test_calendar_deadline_prints_iso_with_offset(fresh_db, args, expected):
    r = run(fresh_db, "calendar", "deadline", *args)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == expected


def test_calendar_days_off_lists_tet_2027(fresh_db):
    r = run(fresh_db, "calendar", "days-off", "2027")
    lines = r.stdout.strip().splitlines()
    assert "2027-02-06 Tết Nguyên Đán" in lines
    assert lines[0].startswith("2027-01-01 ")


def test_export_writes_the_reports_with_vietnamese_intact_and_is_recorded(fresh_db, tmp_path):
    import csv
    import sqlite3

    out = tmp_path / "phan-anh.csv"
    r = run(fresh_db, "export", "--format", "csv", "--output", str(out), "--user", "dispatcher")
    assert r.returncode == 0, r.stderr
    text = out.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(text.splitlines()))
    db = sqlite3.connect(fresh_db["PHANANH_DATABASE_URL"].split("///", 1)[1])
    assert len(rows) - 1 == db.execute("select count(*) from reports").fetchone()[0]
    assert "Cà Mau" in text or "phường" in text or "xã" in text
    assert db.execute("select username, format, row_count from exports order by id desc").fetchone() == (
        "dispatcher", "csv", len(rows) - 1)
    bad = run(fresh_db, "export", "--user", "khong-co-ai")
    assert bad.returncode != 0 and "no active staff user" in bad.stderr
