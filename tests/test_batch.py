"""The write batch (phananh/batch.py): one statement on PostgreSQL, steps in order on SQLite, the same result.

Every test runs inside a transaction it rolls back, so the shared database (and the statistics checked against
it elsewhere) is left as it was; the last test checks that a batch on a connection with no open transaction is
its own transaction.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from phananh.auth.tables import users
from phananh.batch import Batch, PlanError, Ref, Step, checked
from phananh.db import create_engine, metadata
from phananh.directory.tables import categories
from phananh.reports.tables import events, media, reports
from phananh.sla.tables import sla_clocks
from phananh.stats.tables import (
    stats_daily,
    stats_ratings,
    stats_report_facts,
    stats_reports,
    stats_stage_daily,
    stats_stages,
)
from tests.conftest import make_database

NOW = datetime(2026, 11, 30, 2, 15, 30, 123456, tzinfo=timezone.utc)


async def _report_row(conn, **overrides) -> dict:
    category_id = (await conn.execute(select(func.min(categories.c.id)))).scalar_one()
    row = {c.name: None for c in reports.c if c.name != "id"}
    row.update(status="received", category_id=category_id, urgent=False, urgent_hint=False, title="Cây đổ",
               description="Cây đổ chắn ngang đường.", language="vi", channel="api", visibility="public",
               anonymous=True, share_identity_with_agency=False, consent=False, tracking_token=uuid.uuid4().hex,
               created_at=NOW, updated_at=NOW, version=1, idempotency_key=uuid.uuid4().hex)
    row.update(overrides)
    return row


def _event(report_id, **overrides) -> dict:
    return {"report_id": report_id, "action": "submit", "from_status": None, "to_status": "received",
            "actor_role": "anonymous", "actor_user_id": None, "actor_username": None, "agency_id": None, "at": NOW,
            "public": True, "payload": {"note": "Ấp 3, gần chợ", "n": [1, 2]}, **overrides}


async def _begun(engine):
    """A connection inside a transaction that has begun on the driver too (a statement ran)."""
    conn = await engine.connect()
    await conn.begin()
    await conn.execute(text("SELECT 1"))
    return conn


async def test_rows_use_the_ids_of_earlier_steps_with_values_converted_as_sqlalchemy_would(engine):
    conn = await _begun(engine)
    try:
        key = f"batch-{uuid.uuid4().hex[:8]}"
        ids = await Batch([
            Step(reports, [await _report_row(conn)], name="report"),
            Step(events, [_event(Ref("report"))], name="event"),
            Step(stats_daily, [{"day": date(2026, 11, 30), "dim": "test", "key": key, "n": 1,
                                "shard": Ref("report", mod=8)}], mode="add", conflict=("day", "dim", "key", "shard"),
                 sums=("n",)),
        ]).run(conn)
        event = (await conn.execute(select(events).where(events.c.id == ids["event"]))).mappings().one()
        assert event["report_id"] == ids["report"]
        assert event["at"] == NOW  # an aware UTC instant in and out, to the microsecond
        assert event["payload"] == {"note": "Ấp 3, gần chợ", "n": [1, 2]}
        shard = (await conn.execute(select(stats_daily.c.shard).where(stats_daily.c.key == key))).scalar_one()
        assert shard == ids["report"] % 8
    finally:
        await conn.rollback()
        await conn.close()


async def test_a_step_whose_reference_wrote_nothing_writes_nothing(engine):
    conn = await _begun(engine)
    try:
        first = await _report_row(conn)
        await Batch([Step(reports, [first], name="report")]).run(conn)
        events_before = (await conn.execute(select(func.count()).select_from(events))).scalar_one()
        again = await _report_row(conn, idempotency_key=first["idempotency_key"])
        ids = await Batch([
            Step(reports, [again], name="report", mode="insert_once", conflict=("idempotency_key",)),
            Step(events, [_event(Ref("report"))], name="event"),
        ]).run(conn)
        assert ids == {"report": None, "event": None}
        assert (await conn.execute(select(func.count()).select_from(events))).scalar_one() == events_before
        assert (await conn.execute(select(func.count()).select_from(reports).where(
            reports.c.tracking_token == again["tracking_token"]))).scalar_one() == 0
    finally:
        await conn.rollback()
        await conn.close()


async def test_add_sums_into_the_existing_cell_and_replace_overwrites(engine):
    conn = await _begun(engine)
    try:
        key, day = f"batch-{uuid.uuid4().hex[:8]}", date(2026, 11, 30)
        cell = {"day": day, "dim": "test", "key": key, "shard": 3}
        for n in (2, 5, -1):
            await Batch([Step(stats_daily, [{**cell, "n": n}], mode="add", conflict=("day", "dim", "key", "shard"),
                              sums=("n",))]).run(conn)
        assert (await conn.execute(select(stats_daily.c.n).where(stats_daily.c.key == key))).scalar_one() == 6

        report_id = 10**12 + 7  # facts carry no foreign key: a number nobody uses
        facts = {"report_id": report_id, "day": day, "category_id": 1, "area_id": 0, "agency_id": 0,
                 "status": "received", "urgent": False, "contacted": False, "rating": 0}
        for status in ("received", "assigned"):
            await Batch([Step(stats_report_facts, [{**facts, "status": status}], mode="replace",
                              conflict=("report_id",))]).run(conn)
        row = (await conn.execute(select(stats_report_facts).where(
            stats_report_facts.c.report_id == report_id))).mappings().one()
        assert row["status"] == "assigned" and row["day"] == day
    finally:
        await conn.rollback()
        await conn.close()


async def test_a_failing_step_fails_the_batch_with_sqlalchemys_error_and_writes_nothing(engine):
    async with engine.connect() as conn:
        row = await _report_row(conn)
    with pytest.raises(IntegrityError):
        async with engine.connect() as conn:  # no transaction open: on PostgreSQL the one statement is its own
            await Batch([
                Step(reports, [row], name="report"),
                Step(events, [_event(Ref("report"), to_status=None)], name="event"),  # NOT NULL
            ]).run(conn)
            await conn.commit()
    async with engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(reports).where(
            reports.c.tracking_token == row["tracking_token"]))).scalar_one() == 0


async def test_a_value_too_long_for_its_column_is_refused_not_cut(engine):
    """PostgreSQL refuses it and SQLite would store it: refused on both before anything is sent."""
    async with engine.connect() as conn:
        row = await _report_row(conn, title="Ổ gà " * 60 + "x")  # 301 characters (more bytes) for VARCHAR(300)
        with pytest.raises(PlanError, match="title is 301 characters, too long for its 300"):
            await Batch([Step(reports, [row], name="report")]).run(conn)
        await Batch([Step(reports, [{**row, "title": row["title"][:300]}], name="report")]).run(conn)  # 300 fit
        await conn.rollback()


@pytest.mark.parametrize("column, value, message", [
    ("title", 5, "title takes str, not int"),  # SQLite stores 5; asyncpg: DataError
    ("version", "1", "version takes int, not str"),  # SQLite stores 1; asyncpg: DataError
    ("version", 1.0, "version takes int, not float"),  # SQLite stores 1.0; PostgreSQL 1
    ("urgent", 1, "urgent takes bool, not int"),  # SQLite stores 1 (read back True); asyncpg: DataError
    ("created_at", "2026-11-30", "created_at takes datetime, not str"),
])
async def test_a_value_of_another_type_than_its_columns_is_refused_on_both_databases(engine, column, value, message):
    async with engine.connect() as conn:
        row = await _report_row(conn, **{column: value})
        await conn.commit()
        with pytest.raises(PlanError, match=message):
            await Batch([Step(reports, [row], name="report")]).run(conn)
        assert not conn.in_transaction()


async def test_without_an_open_transaction_the_batch_is_its_own_transaction(engine):
    async with engine.connect() as conn:
        row = await _report_row(conn, created_at=NOW - timedelta(days=1))
        await conn.commit()
        ids = await Batch([Step(reports, [row], name="report"), Step(events, [_event(Ref("report"))])]).run(conn)
        await conn.commit()  # SQLite: the steps began a transaction; PostgreSQL: nothing is open, a no-op
    async with engine.connect() as conn:
        stored = (await conn.execute(select(reports.c.created_at).where(reports.c.id == ids["report"]))).scalar_one()
        assert stored == NOW - timedelta(days=1)
        assert (await conn.execute(select(func.count()).select_from(events).where(
            events.c.report_id == ids["report"]))).scalar_one() == 1
        # Leave the shared database as it was: this report has no counters (the statistics tests recompute them).
        await conn.execute(delete(events).where(events.c.report_id == ids["report"]))
        await conn.execute(delete(reports).where(reports.c.id == ids["report"]))
        await conn.commit()


async def test_a_step_of_many_rows_returns_their_ids_in_order(engine):
    conn = await _begun(engine)
    try:
        ids = await Batch([
            Step(reports, [await _report_row(conn)], name="report"),
            Step(events, [_event(Ref("report"), action=f"note-{i}") for i in range(3)], name="events", many=True),
        ]).run(conn)
        actions = (await conn.execute(select(events.c.id, events.c.action).where(
            events.c.report_id == ids["report"]).order_by(events.c.id))).all()
        assert ids["events"] == [a.id for a in actions]
        assert [a.action for a in actions] == ["note-0", "note-1", "note-2"]
    finally:
        await conn.rollback()
        await conn.close()


async def test_a_connection_lost_mid_batch_is_an_error_and_is_not_pooled_again(engine, backend):
    if backend == "sqlite":
        pytest.skip("an embedded database has no server connection to lose")
    async with engine.connect() as conn:
        row = await _report_row(conn)
        await conn.commit()
        pid = (await conn.exec_driver_sql("SELECT pg_backend_pid()")).scalar_one()
        await conn.commit()
        async with engine.connect() as other:  # the server ends that session, as a restart or a failover would
            await other.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")
            await other.commit()
        with pytest.raises(DBAPIError) as caught:
            await Batch([Step(reports, [row], name="report")]).run(conn)
        assert caught.value.connection_invalidated
    for _ in range(3):  # every pooled connection works: the dead one was discarded, not returned
        async with engine.connect() as conn:
            assert (await conn.exec_driver_sql("SELECT 1")).scalar_one() == 1


# --- The plan's checks (issue 13): shapes the two paths would not run alike are refused before any write ------

CELL = {"day": date(2026, 11, 30), "dim": "test", "key": "k"}
DAILY_KEY = ("day", "dim", "key", "shard")


def _daily(n: int, shard: int | Ref = 1, **cell) -> dict:
    return {**CELL, **cell, "shard": shard, "n": n}


def _add_daily(*rows: dict) -> Step:
    return Step(stats_daily, list(rows), mode="add", conflict=DAILY_KEY, sums=("n",))


def _report_step(**overrides) -> Step:
    row = {c.name: None for c in reports.c if c.name != "id"}
    row.update(status="received", category_id=1, tracking_token="t", created_at=NOW, updated_at=NOW, **overrides)
    return Step(reports, [row], name="report")


@pytest.mark.parametrize("plan, message", [
    (lambda: [Step(events, [_event(Ref("report"))], name="event"), _report_step()], "names no earlier named step"),
    (lambda: [_report_step(), Step(events, [_event(Ref("repot"))])], "names no earlier named step"),
    (lambda: [_report_step(), Step(events, [_event(Ref("report"))] * 2, name="events", many=True),
              Step(events, [_event(Ref("events"))])], "a step of many rows"),
    (lambda: [_report_step(), Step(events, [_event(Ref("report"))], name="report")], "two steps are named"),
    (lambda: [Step(stats_daily, [_daily(1)], name="cell", mode="add", conflict=DAILY_KEY, sums=("n",))],
     "has no id column"),
    (lambda: [_report_step(colour="red")], "has no column colour"),
    (lambda: [_report_step(), Step(events, [{k: v for k, v in _event(Ref("report")).items() if k != "to_status"}])],
     "to_status is NOT NULL, has no default and is left out"),
    (lambda: [_report_step(), Step(events, [{k: v for k, v in _event(Ref("report")).items() if k != "payload"}])],
     "payload is left out and its default is computed by SQLAlchemy"),
    (lambda: [Step(stats_daily, [_daily(1)], mode="add", conflict=("day", "dim"), sums=("n",))],
     "is no primary or unique key"),
    (lambda: [Step(stats_daily, [_daily(1)], mode="add", conflict=DAILY_KEY)], "at least one"),
    (lambda: [Step(stats_daily, [_daily(1)], mode="add", conflict=DAILY_KEY, sums=("key",))], "at least one"),
    (lambda: [Step(stats_daily, [_daily(1), _daily(2)], mode="replace", conflict=DAILY_KEY)], "two rows for the key"),
    (lambda: [Step(stats_daily, [_daily(1), _daily(2)], mode="insert_once", conflict=DAILY_KEY)],
     "two rows for the key"),
    (lambda: [Step(stats_daily, [_daily(1)]), _add_daily(_daily(1))], "cannot write a row twice"),
    (lambda: [Step(stats_daily, [_daily(1)], mode="replace", conflict=DAILY_KEY), _add_daily(_daily(1))],
     "cannot write a row twice"),
    (lambda: [_report_step(), _add_daily(_daily(1, shard=Ref("report", mod=8))), _add_daily(_daily(1))],
     "cannot write a row twice"),  # a Ref and a number may name one cell: not known before running
    (lambda: [_add_daily(_daily(1), {**_daily(1), "extra": 1})], "different columns"),
    (lambda: [_report_step(), _add_daily(_daily(1, shard=Ref("report", mod=8)), _daily(1, key="b"))],
     "same Refs in the same columns"),
    (lambda: [_add_daily(_daily(1), _daily(None))], "no numbers to add"),
])
def test_a_plan_the_two_paths_would_run_differently_is_refused_with_a_clear_error(plan, message):
    with pytest.raises(PlanError, match=message):
        checked(plan())


@pytest.mark.parametrize("step, message", [
    (lambda: Step(stats_daily, []), "at least one row"),
    (lambda: Step(stats_daily, [_daily(1)], mode="merge"), "unknown mode"),
    (lambda: Step(stats_daily, [_daily(1)], mode="add", sums=("n",)), "needs its conflict columns"),
    (lambda: Step(stats_daily, [_daily(1)], sums=("n",)), "for mode add only"),
    (lambda: Step(reports, [{}, {}], name="report"), "a named step inserts one row"),
    (lambda: Step(stats_daily, [_daily(1)], mode="add", conflict=DAILY_KEY, sums=("n",), many=True),
     "plain inserts only"),
])
def test_a_malformed_step_is_an_error_even_under_python_O(step, message):
    with pytest.raises(PlanError, match=message):  # raised, not asserted: `python -O` keeps it
        step()


def test_adds_to_one_counter_cell_are_planned_as_one_add_of_their_sum():
    report = _report_step()
    steps, _shape = checked([
        report,
        _add_daily(_daily(2), _daily(3, key="other"), _daily(-1)),
        Step(stats_report_facts, [{"report_id": 1, "day": CELL["day"], "category_id": 1, "area_id": 0, "agency_id": 0,
                                   "status": "received", "urgent": False, "contacted": False, "rating": 0}],
             mode="replace", conflict=("report_id",)),
        _add_daily(_daily(5), _daily(7, key="third")),
    ])
    daily = [s for s in steps if s.table is stats_daily]
    assert len(daily) == 1 and steps[1] is daily[0]  # merged where the first of them stood
    assert [(r["key"], r["n"]) for r in daily[0].rows] == [("k", 6), ("other", 3), ("third", 7)]
    assert steps[0] is report and len(steps) == 3


def test_a_left_out_column_with_a_python_default_is_written_with_it():
    row = {k: v for k, v in _report_step().rows[0].items() if k not in ("urgent", "title", "version")}
    (step,), _shape = checked([Step(reports, [row], name="report")])
    assert (step.rows[0]["urgent"], step.rows[0]["title"], step.rows[0]["version"]) == (False, "", 1)
    assert "urgent" not in row  # the caller's row is left as it was


def test_the_plan_of_a_submit_is_checked_in_microseconds():
    """Submit is the hot path: the checks of a shape are cached, per call only its rows are looked at."""
    from phananh.stats import flows as stats

    report = _report_step(urgent=False, urgent_hint=False, title="Cây đổ", language="vi", channel="api",
                          visibility="public", anonymous=True, share_identity_with_agency=False, consent=False,
                          version=1).rows[0]  # every column given, as submit_report gives them
    event = _event(Ref("report"))
    plan = [Step(reports, [report], name="report", mode="insert_once", conflict=("idempotency_key",)),
            Step(events, [event], name="event"),
            *stats.new_report_writes(event=event, report={**report, "id": Ref("report"), "area_id": None,
                                                          "agency_id": None, "rating": None, "contacted_at": None},
                                     report_id=Ref("report"))]
    assert checked(plan)[0] is plan  # nothing to rewrite: the plan runs as given
    rounds = []
    for _ in range(7):  # the best round: a shared machine's stalls are not the checks' cost
        started = time.perf_counter()
        for _ in range(100):
            checked(plan)
        rounds.append((time.perf_counter() - started) / 100)
    assert min(rounds) < 200e-6, f"{min(rounds) * 1e6:.0f} µs per plan"


# --- The two known divergences, now the same on both databases ---------------------------------------------

async def test_a_step_leaving_out_defaulted_columns_writes_their_defaults_on_both_databases(engine):
    """Was: SQLAlchemy filled the Python-side defaults on SQLite; PostgreSQL's one statement sent NULL
    (NotNullViolation)."""
    async with engine.connect() as conn:  # no transaction open: PostgreSQL's own-transaction path
        row = await _report_row(conn)
        await conn.commit()
        for column in ("urgent", "urgent_hint", "title", "language", "channel", "visibility", "anonymous",
                       "share_identity_with_agency", "consent", "version"):
            del row[column]
        event = {k: v for k, v in _event(Ref("report")).items() if k != "public"}
        ids = await Batch([Step(reports, [row], name="report"), Step(events, [event], name="event")]).run(conn)
        await conn.commit()
        try:
            stored = (await conn.execute(select(reports).where(reports.c.id == ids["report"]))).mappings().one()
            assert (stored["urgent"], stored["title"], stored["language"], stored["channel"], stored["visibility"],
                    stored["anonymous"], stored["consent"], stored["version"]) == (False, "", "vi", "api", "public",
                                                                                    False, False, 1)
            public = (await conn.execute(select(events.c.public).where(events.c.id == ids["event"]))).scalar_one()
            assert public is True
        finally:
            await conn.execute(delete(events).where(events.c.report_id == ids["report"]))
            await conn.execute(delete(reports).where(reports.c.id == ids["report"]))
            await conn.commit()


@pytest.mark.parametrize("alone", [True, False], ids=["own-transaction", "in-transaction"])
async def test_adds_to_one_counter_cell_in_one_plan_add_up_on_both_databases(engine, alone):
    """Was: SQLite added twice; PostgreSQL refused to upsert one row twice in one statement (CardinalityViolation)."""
    key = f"batch-{uuid.uuid4().hex[:8]}"
    conn = await engine.connect() if alone else await _begun(engine)
    try:
        await Batch([_add_daily(_daily(10, key=key))]).run(conn)  # the cell exists before the plan
        await Batch([
            _add_daily(_daily(2, key=key), _daily(3, key=key), _daily(1, key=key + "-b")),
            _add_daily(_daily(4, key=key)),  # a second add step into the same table
        ]).run(conn)
        cells = dict((await conn.execute(select(stats_daily.c.key, stats_daily.c.n).where(
            stats_daily.c.key.startswith(key)))).all())
        assert cells == {key: 19, key + "-b": 1}
    finally:
        if alone:
            await conn.execute(delete(stats_daily).where(stats_daily.c.key.startswith(key)))
            await conn.commit()
        else:
            await conn.rollback()
        await conn.close()


async def test_a_refused_plan_writes_nothing_on_either_database(engine):
    async with engine.connect() as conn:
        row = await _report_row(conn)
        before = (await conn.execute(select(func.count()).select_from(reports))).scalar_one()
        await conn.commit()
        with pytest.raises(PlanError, match="two rows for the key"):
            await Batch([Step(reports, [row], name="report"),
                         Step(stats_report_facts, [{"report_id": 10**12 + 9, "day": NOW.date(), "category_id": 1,
                                                    "area_id": 0, "agency_id": 0, "status": s, "urgent": False,
                                                    "contacted": False, "rating": 0} for s in ("received", "assigned")],
                              mode="replace", conflict=("report_id",))]).run(conn)
        assert not conn.in_transaction()  # refused before anything was sent
        assert (await conn.execute(select(func.count()).select_from(reports))).scalar_one() == before


# --- Parity: every plan shape the code builds writes the same rows on SQLite and on PostgreSQL ------------------
#
# Two fresh databases seeded alike run the same work and are compared row for row after each piece. The plans are
# the code's own: submits through `reports.service.submit_report` (report, clocks, event, media, counters in one
# batch, with and without an Idempotency-Key, and its retry) and lifecycle actions through `apply_action` (the
# statistics batch of each event: cells left and entered, ratings, stage outcomes, contacts, a reclassification's
# moved outcomes); then Hypothesis' counter plans, duplicates included, on both PostgreSQL paths.

PARITY_TABLES = (reports, events, sla_clocks, media, stats_reports, stats_ratings, stats_daily, stats_stages,
                 stats_stage_daily, stats_report_facts)
COUNTER_TABLES = PARITY_TABLES[4:]
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)  # a Monday, 08:00 in Cà Mau


@pytest.fixture(scope="module")
async def twins(tmp_path_factory):
    made: dict[str, tuple] = {}
    try:
        for backend in ("sqlite", "postgres"):
            made[backend] = await asyncio.to_thread(make_database, backend, tmp_path_factory.mktemp(f"twin-{backend}"))
        engines = {backend: create_engine(url) for backend, (url, _drop) in made.items()}
        try:
            seeded = {}
            for backend, engine in engines.items():  # seeded alike: the same ids
                async with engine.connect() as conn:
                    seeded[backend] = [(await conn.execute(select(t.c.id, t.c[name]).order_by(t.c.id))).all()
                                       for t, name in ((categories, "code"), (users, "username"))]
            assert seeded["sqlite"] == seeded["postgres"]
            yield engines
        finally:
            for engine in engines.values():
                await engine.dispose()
    finally:
        for _url, drop in made.values():
            await asyncio.to_thread(drop)


async def _align_ids(engine) -> None:
    """The next id of every table as SQLite hands it out (the largest + 1): PostgreSQL's sequences also move on
    rolled back or conflicting inserts, and the compared rows carry ids."""
    if engine.dialect.name != "postgresql":
        return
    async with engine.begin() as conn:
        for table in metadata.sorted_tables:
            column = table.autoincrement_column
            if column is not None and column.name == "id":
                await conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                        f"coalesce(max(id), 0) + 1, false) FROM {table.name}"))


async def _assert_same_rows(twins, tables=PARITY_TABLES) -> None:
    seen = {}
    for backend, engine in twins.items():
        async with engine.connect() as conn:
            seen[backend] = {t.name: sorted(map(dict, (await conn.execute(select(t))).mappings()), key=repr)
                             for t in tables}
    for t in tables:
        assert seen["sqlite"][t.name] == seen["postgres"][t.name], f"{t.name} differs between SQLite and PostgreSQL"


async def _on_both(twins, work, tables=PARITY_TABLES) -> dict:
    """`work(conn, backend)` on each database, committed; then the rows must be the same."""
    out = {}
    for backend, engine in twins.items():
        await _align_ids(engine)
        async with engine.connect() as conn:
            out[backend] = await work(conn, backend)
            await conn.commit()
    await _assert_same_rows(twins, tables)
    return out


async def test_the_submit_and_action_plans_write_the_same_rows_on_both_databases(twins, tmp_path, monkeypatch):
    from phananh.auth.principal import ANONYMOUS
    from phananh.config import Settings
    from phananh.demo.seed import _principal
    from phananh.reports import media as media_store
    from phananh.reports import service
    from phananh.reports.schemas import ReportSubmit
    from tests.support import report_body

    settings = Settings(database_url="sqlite+aiosqlite://", media_dir=tmp_path, var_dir=tmp_path)
    token = {"next": ""}
    monkeypatch.setattr(service, "new_tracking_token", lambda: token["next"])  # the same on both databases

    async def stored(uploads, _settings):  # the media store is not under test: the same paths on both
        return [f"parity/{u.sha256}.jpg" for u in uploads]

    monkeypatch.setattr(media_store, "store_all", stored)
    async with twins["sqlite"].connect() as conn:
        dispatcher, handler = await _principal(conn, "dispatcher"), await _principal(conn, "handler.so-xay-dung")
    photos = [media_store.Upload(f"{n}.jpg", bytes([n]) * 64, "image/jpeg", "photo", f"{n:064x}") for n in (1, 2)]

    async def submit(name, body, *, at, key=None, uploads=(), principal=ANONYMOUS, channel="api"):
        token["next"] = f"parity-{name}"

        async def work(conn, _backend):
            done = await service.submit_report(conn, data=ReportSubmit.model_validate(body), uploads=list(uploads),
                                               principal=principal, settings=settings, now=at,
                                               idempotency_key=key, channel=channel)
            return done.report_id, done.created
        ids = await _on_both(twins, work)
        assert ids["sqlite"] == ids["postgres"]
        return ids["sqlite"][0]

    async def act(report_id, action, body, principal, *, at, tracking_token=None):
        async def work(conn, _backend):
            await service.apply_action(conn, report_id=report_id, action=action, body=body, principal=principal,
                                       now=at, settings=settings, tracking_token=tracking_token)
        await _on_both(twins, work)

    hour = timedelta(hours=1)
    a = await submit("a", report_body(), at=T0, key="parity-a", uploads=photos)
    assert await submit("a", report_body(), at=T0 + hour, key="parity-a", uploads=photos) == a  # a retry: no rows
    b = await submit("b", report_body(anonymous=True, consent=False, reporter=None, urgent_hint=True),
                     at=T0 + 2 * hour, principal=dispatcher, channel="hotline")
    c = await submit("c", report_body(), at=T0 + 3 * hour)
    await act(a, "assign", {"agency": "so-xay-dung"}, dispatcher, at=T0 + 4 * hour)
    await act(a, "log_contact", {"contact": "Nguyễn Văn Bảy", "channel": "phone", "outcome": "Đã gọi"}, dispatcher,
              at=T0 + 5 * hour)
    await act(a, "reclassify", {"category": "ve-sinh-moi-truong", "reason": "Rác"}, dispatcher, at=T0 + 6 * hour)
    await act(a, "respond", {"message": "Đã tiếp nhận"}, handler, at=T0 + 30 * hour)
    await act(a, "resolve", {"result": "Đã dọn"}, handler, at=T0 + 100 * hour)  # late
    await act(a, "publish", {}, dispatcher, at=T0 + 101 * hour)
    await act(a, "rate", {"score": 4}, ANONYMOUS, at=T0 + 102 * hour, tracking_token="parity-a")
    await act(a, "close", {}, dispatcher, at=T0 + 103 * hour)
    await act(b, "flag_urgent", {"reason": "Nguy hiểm"}, dispatcher, at=T0 + 3 * hour)
    await act(b, "assign", {"agency": "so-xay-dung"}, dispatcher, at=T0 + 4 * hour)
    await act(b, "return", {"reason": "Sai thẩm quyền"}, handler, at=T0 + 5 * hour)
    await act(b, "reject", {"reason": "Không thuộc phạm vi"}, dispatcher, at=T0 + 6 * hour)
    await act(c, "merge", {"into": a}, dispatcher, at=T0 + 7 * hour)
    async with twins["postgres"].connect() as conn:  # the story wrote what it meant to, on both
        assert (await conn.execute(select(func.count()).select_from(media))).scalar_one() == 2
        assert (await conn.execute(select(func.count()).select_from(stats_stages))).scalar_one() > 0
        assert (await conn.execute(select(func.sum(stats_ratings.c.n)))).scalar_one() == 1


def _cells(table, key: tuple[str, ...], values: dict, sums: tuple[str, ...]):
    row = st.fixed_dictionaries({c: values[c] for c in key})
    return st.lists(st.builds(lambda r, n: {**r, **dict.fromkeys(sums, n)}, row, st.integers(-3, 5)),
                    min_size=1, max_size=6).map(lambda rows: Step(table, rows, mode="add", conflict=key, sums=sums))


_DAYS = st.sampled_from([date(2026, 3, 2), date(2026, 3, 3)])
_COUNTER_STEPS = st.one_of(
    _cells(stats_daily, DAILY_KEY, {"day": _DAYS, "dim": st.just("parity"), "key": st.sampled_from("ab"),
                                    "shard": st.integers(0, 2)}, ("n",)),
    _cells(stats_stages, ("day", "stage", "agency_id", "category_id", "area_id", "outcome", "bucket", "shard"),
           {"day": _DAYS, "stage": st.sampled_from(["respond", "publish"]), "agency_id": st.just(0),
            "category_id": st.just(1), "area_id": st.just(0), "outcome": st.sampled_from(["on_time", "late"]),
            "bucket": st.just(1), "shard": st.integers(0, 1)}, ("n", "seconds")),
    st.lists(st.sampled_from(["received", "assigned"]), min_size=1, max_size=2).map(lambda statuses: Step(
        stats_report_facts, [{"report_id": 10**12 + i, "day": date(2026, 3, 2), "category_id": 1, "area_id": 0,
                              "agency_id": 0, "status": s, "urgent": False, "contacted": False, "rating": 0}
                             for i, s in enumerate(statuses)], mode="replace", conflict=("report_id",))),
    st.just(Step(stats_report_facts, [{"report_id": 10**12, "day": date(2026, 3, 2), "category_id": 1,
                                       "area_id": 0, "agency_id": 0, "status": "received", "urgent": False,
                                       "contacted": False, "rating": 0}] * 2, mode="replace",
                 conflict=("report_id",))),  # one key twice: refused
)


@given(plan=st.lists(_COUNTER_STEPS, min_size=1, max_size=4), alone=st.booleans())
@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
async def test_counter_plans_write_the_same_cells_on_both_databases(twins, plan, alone):
    """Adds to one cell in one step or several, net zero or negative, replaces: the same cells on both
    databases, through PostgreSQL's own-transaction path (`alone`) or inside the caller's transaction."""
    try:
        checked(plan)
    except PlanError as error:
        for engine in twins.values():  # refused on both with the same error, before anything is sent
            async with engine.connect() as conn:
                with pytest.raises(PlanError, match=re.escape(str(error))):
                    await Batch(plan).run(conn)
        return

    async def work(conn, _backend):
        if not alone:
            await conn.begin()
            await conn.execute(text("SELECT 1"))
        await Batch(plan).run(conn)

    await _on_both(twins, work, COUNTER_TABLES)


# --- Shapes seen before: checked against what their first check found ------------------------------------------

def test_a_known_shape_with_its_refs_in_other_places_is_planned_as_its_own_shape():
    """The checks of a shape are remembered by its tables, columns and row counts; the Refs of a plan may differ
    from those of the plan first seen with them: each plan gets the statement of its own Refs."""
    from phananh.batch import _shape

    plans = [
        [_report_step(), _add_daily(_daily(1, shard=Ref("report", mod=8)))],
        [_report_step(), _add_daily(_daily(1, shard=3))],  # a number where the first plan had a Ref
        [_report_step(), _add_daily(_daily(1, shard=Ref("report", mod=4)))],  # another modulus
        [_report_step(), _add_daily(_daily(1, shard=Ref("report", mod=8)), _daily(1, shard=5, key="b"))],
    ]
    for plan in plans + plans:  # the second time round, every shape is known
        try:
            steps, shape = checked(plan)
        except PlanError as error:
            assert plan is plans[3] and "same Refs in the same columns" in str(error)
            continue
        assert shape.shape == _shape(steps) and steps is plan


def test_a_known_shape_still_refuses_a_bad_value():
    good = _report_step(title="Ổ gà")
    checked([good])
    for column, value, message in [("title", "x" * 301, "title is 301 characters, too long for its 300"),
                                   ("version", "1", "version takes int, not str")]:
        row = {**good.rows[0], column: value}
        with pytest.raises(PlanError, match=message):
            checked([Step(reports, [row], name="report")])


def test_a_ref_in_a_column_of_no_checked_type_is_seen_in_a_known_shape():
    from phananh.batch import _shape

    for payload in ({"n": 1}, Ref("report")):  # JSON: no type to check, a Ref all the same
        plan = [_report_step(), Step(events, [_event(Ref("report"), payload=payload)], name="event")]
        steps, shape = checked(plan)
        assert shape.shape == _shape(steps) and (("payload", "report", None) in shape.shape[1][6]) == (
            payload == Ref("report"))
