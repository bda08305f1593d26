"""The write batch (phananh/batch.py): one statement on PostgreSQL, steps in order on SQLite, the same result.

Every test runs inside a transaction it rolls back, so the shared database (and the statistics checked against
it elsewhere) is left as it was; the last test checks that a batch on a connection with no open transaction is
its own transaction.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from phananh.batch import Batch, Ref, Step
from phananh.directory.tables import categories
from phananh.reports.tables import events, reports
from phananh.stats.tables import stats_daily, stats_report_facts

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


async def test_a_value_too_long_for_its_column_is_refused_not_cut(engine, backend):
    if backend == "sqlite":
        pytest.skip("SQLite does not enforce VARCHAR lengths; the API validates them before any write")
    async with engine.connect() as conn:
        row = await _report_row(conn, title="x" * 301)  # VARCHAR(300)
        with pytest.raises(DBAPIError, match="too long"):
            await Batch([Step(reports, [row], name="report")]).run(conn)


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
