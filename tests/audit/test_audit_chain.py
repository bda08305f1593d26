"""The tamper-evident record on SQLite and PostgreSQL: sealing, and `verify` catching an edit, a deletion and an
insertion made directly in SQL, each named. Every test leaves the record as it found it (the database is shared)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest
from sqlalchemy import delete, func, insert, select, update

from phananh.audit import canonical
from phananh.audit.seal import head, seal
from phananh.audit.tables import audit_blocks, audit_events
from phananh.audit.verify import verify
from phananh.db import create_engine
from phananh.notifications.tables import notifications
from phananh.reports.tables import events, media
from tests.support import act, submit

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=timezone.utc)


async def _internal_comment(client, tokens, report_id=None) -> int:
    """A new event that nothing else refers to (so that SQL can delete it): an internal comment."""
    if report_id is None:
        report_id = (await submit(client))["id"]
    await act(client, report_id, "comment", {"text": "Ghi chú nội bộ", "public": False},
              headers=await tokens("dispatcher"))
    return report_id


async def _latest_unreferenced_event(engine) -> dict:
    async with engine.connect() as conn:
        row = (await conn.execute(
            select(events).where(
                ~select(media.c.id).where(media.c.event_id == events.c.id).exists(),
                ~select(notifications.c.id).where(notifications.c.event_id == events.c.id).exists(),
            ).order_by(events.c.id.desc()).limit(1))).mappings().one()
    return dict(row)


async def _sealed_ok(engine):
    await seal(engine, now=NOW)
    result = await verify(engine)
    assert result.ok, result.problem and result.problem.english()
    return result


async def test_sealed_events_verify_and_a_new_event_joins_the_next_block(client, tokens, engine):
    report_id = (await submit(client))["id"]
    first = await _sealed_ok(engine)
    async with engine.connect() as conn:
        submit_event = (await conn.execute(select(events.c.id).where(events.c.report_id == report_id))).scalar_one()
        assert (await conn.execute(select(audit_events.c.block_id)
                                   .where(audit_events.c.event_id == submit_event))).scalar() is not None
    await _internal_comment(client, tokens, report_id)
    newest = (await _latest_unreferenced_event(engine))["id"]
    assert newest > first.head.last_event_id
    before_seal = await verify(engine)
    assert before_seal.ok  # an event not sealed yet is not a problem
    second = await _sealed_ok(engine)
    assert second.head.id == first.head.id + 1 and second.head.last_event_id == newest
    async with engine.connect() as conn:
        block = (await conn.execute(select(audit_blocks).where(audit_blocks.c.id == second.head.id))).mappings().one()
        sealed = (await conn.execute(select(audit_events.c.hash).where(audit_events.c.event_id == newest))).scalar()
    assert block["prev_hash"] == first.head.hash
    assert second.events_checked == first.events_checked + block["event_count"]
    row = await _latest_unreferenced_event(engine)
    assert sealed == canonical.event_hash(row)


@pytest.mark.parametrize("column, value", [
    ("payload", {"text": "Đã sửa lén", "public": False}),
    ("actor_username", "admin"),
    ("at", datetime(2026, 1, 1, tzinfo=timezone.utc)),
])
async def test_an_event_edited_in_sql_is_named_altered(client, tokens, engine, column, value):
    await _internal_comment(client, tokens)
    await _sealed_ok(engine)
    original = await _latest_unreferenced_event(engine)
    async with engine.begin() as conn:
        await conn.execute(update(events).where(events.c.id == original["id"]).values({column: value}))
    try:
        result = await verify(engine)
        assert not result.ok
        assert result.problem.code == "event_altered"
        assert result.problem.params["event_id"] == original["id"]
        assert f"Event {original['id']} was altered" in result.problem.english()
        assert f"Sự kiện {original['id']} đã bị sửa" in result.problem.text("vi")
    finally:
        async with engine.begin() as conn:
            await conn.execute(update(events).where(events.c.id == original["id"]).values({column: original[column]}))
    assert (await verify(engine)).ok


async def test_an_event_deleted_in_sql_is_named_missing_with_its_block(client, tokens, engine):
    await _internal_comment(client, tokens)
    await _sealed_ok(engine)
    original = await _latest_unreferenced_event(engine)
    async with engine.connect() as conn:
        block_id = (await conn.execute(
            select(audit_events.c.block_id).where(audit_events.c.event_id == original["id"]))).scalar_one()
    async with engine.begin() as conn:
        await conn.execute(delete(events).where(events.c.id == original["id"]))
    try:
        result = await verify(engine)
        assert not result.ok and result.problem.code == "event_missing"
        assert result.problem.params == {"event_id": original["id"], "block_id": block_id}
    finally:
        async with engine.begin() as conn:
            await conn.execute(insert(events).values(original))
    assert (await verify(engine)).ok


async def test_an_event_inserted_in_sql_inside_the_sealed_range_is_named_inserted(client, tokens, engine):
    # A free id inside the range: an event (like a rolled-back one) gone before the seal, then slipped back in.
    # (Not the newest: SQLite would give the newest id out again.)
    report_id = await _internal_comment(client, tokens)
    gap = await _latest_unreferenced_event(engine)
    await _internal_comment(client, tokens, report_id)
    async with engine.begin() as conn:
        await conn.execute(delete(events).where(events.c.id == gap["id"]))
    sealed = await _sealed_ok(engine)
    assert sealed.head.last_event_id > gap["id"]
    forged = {**gap, "payload": {"text": "Đã chuyển cho cơ quan (ghi lùi ngày)", "public": False}}
    async with engine.begin() as conn:
        await conn.execute(insert(events).values(forged))
    try:
        result = await verify(engine)
        assert not result.ok and result.problem.code == "event_inserted"
        assert result.problem.params["event_id"] == gap["id"]
        assert f"Event {gap['id']} was inserted" in result.problem.english()
    finally:
        async with engine.begin() as conn:
            await conn.execute(delete(events).where(events.c.id == gap["id"]))
    assert (await verify(engine)).ok


async def test_an_edited_block_and_an_unknown_published_head_are_caught(client, tokens, engine):
    await _internal_comment(client, tokens)
    sealed = await _sealed_ok(engine)
    async with engine.begin() as conn:
        await conn.execute(update(audit_blocks).where(audit_blocks.c.id == sealed.head.id)
                           .values(sealed_at=datetime(2020, 1, 1, tzinfo=timezone.utc)))
    try:
        result = await verify(engine)
        assert result.problem.code == "block_altered" and result.problem.params == {"block_id": sealed.head.id}
    finally:
        async with engine.begin() as conn:
            await conn.execute(update(audit_blocks).where(audit_blocks.c.id == sealed.head.id)
                               .values(sealed_at=sealed.head.sealed_at))
    assert (await verify(engine, published=sealed.head.hash)).ok
    rewritten = await verify(engine, published="ab" * 32)
    assert rewritten.problem.code == "head_unknown"


async def test_two_sealers_racing_append_one_chain(client, tokens, engine, db_url):
    for _ in range(3):
        await _internal_comment(client, tokens)
    other = create_engine(db_url)
    try:
        results = await asyncio.gather(*(seal(e, now=NOW, max_events=2) for e in (engine, other, engine, other)))
    finally:
        await other.dispose()
    assert sum(r.events for r in results) >= 6  # each new event sealed once, by whichever sealer got there
    async with engine.connect() as conn:
        forks = (await conn.execute(select(audit_blocks.c.prev_hash).group_by(audit_blocks.c.prev_hash)
                                    .having(func.count() > 1))).all()
        ids = (await conn.execute(select(audit_blocks.c.id).order_by(audit_blocks.c.id))).scalars().all()
    assert forks == [] and ids == list(range(1, len(ids) + 1))
    assert (await verify(engine)).ok


async def test_a_writer_still_open_is_waited_for_not_skipped(client, tokens, engine, backend):
    """PostgreSQL: an event whose transaction took a lower id but commits after a higher one is still sealed."""
    if backend != "postgres":
        pytest.skip("SQLite has one writer: the highest committed id is always safe")
    report_id = await _internal_comment(client, tokens)
    await _sealed_ok(engine)
    row = await _latest_unreferenced_event(engine)
    template = {k: v for k, v in row.items() if k != "id"}
    async with engine.connect() as slow:
        await slow.begin()
        low = (await slow.execute(insert(events).values(template).returning(events.c.id))).scalar_one()
        await _internal_comment(client, tokens, report_id)  # commits a higher id meanwhile
        assert (await seal(engine, now=NOW, wait_seconds=0.2)).events == 0  # would have skipped `low`
        sealing = asyncio.create_task(seal(engine, now=NOW, wait_seconds=10))
        await asyncio.sleep(0.3)
        assert not sealing.done()
        await slow.commit()
    sealed = await sealing
    assert sealed.head.last_event_id > low
    async with engine.connect() as conn:
        assert (await conn.execute(select(audit_events.c.block_id).where(audit_events.c.event_id == low))).scalar()
    assert (await verify(engine)).ok


def test_the_hash_covers_every_column_of_an_event():
    assert set(canonical.EVENT_FIELDS) == {c.name for c in events.columns}


def test_the_canonical_form_is_pinned():
    row = {"id": 7, "report_id": 3, "action": "assign", "from_status": "received", "to_status": "assigned",
           "actor_role": "dispatcher", "actor_user_id": 2, "actor_username": "dispatcher", "agency_id": 5,
           "at": datetime(2026, 12, 2, 2, 15, 0, 120000, tzinfo=timezone.utc), "public": True,
           "payload": {"note": "Chuyển Sở Xây dựng", "agency": "so-xay-dung"}}
    assert canonical.canonical_json(canonical.event_document(row)).decode() == (
        '{"action":"assign","actor_role":"dispatcher","actor_user_id":2,"actor_username":"dispatcher",'
        '"agency_id":5,"at":"2026-12-02T02:15:00.120000Z","from_status":"received","id":7,'
        '"payload":{"agency":"so-xay-dung","note":"Chuyển Sở Xây dựng"},"public":true,"report_id":3,'
        '"to_status":"assigned"}')


@pytest.mark.parametrize("changes", [
    {},
    {"from_status": None, "actor_user_id": None, "actor_username": None, "agency_id": None, "public": False},
    {"payload": None},
    {"payload": {"z": [1, 2.5, 1e-07, 1e16, None, True], "a": {"y": "\"quoted\"\n\ttab\u0001", "b": "ổ gà 🚧"}}},
    {"actor_username": "người dùng \\ \u2028", "at": datetime(1999, 1, 1, 0, 0, tzinfo=timezone.utc)},
])
def test_the_fast_event_hash_equals_the_documented_form(changes):
    import hashlib

    row = {"id": 10**12, "report_id": 3, "action": "comment", "from_status": "assigned", "to_status": "assigned",
           "actor_role": "handler", "actor_user_id": 9, "actor_username": "handler.so-xay-dung", "agency_id": 4,
           "at": datetime(2026, 12, 2, 2, 15, tzinfo=timezone.utc), "public": True, "payload": {"text": "Đã xử lý"},
           **changes}
    documented = hashlib.sha256(canonical.canonical_json(canonical.event_document(row))).hexdigest()
    assert canonical.event_hash(row) == documented
    assert canonical.event_hash([row[n] for n in canonical.EVENT_FIELDS]) == documented


async def test_the_server_seals_by_itself_every_few_seconds(client, settings, engine):
    from phananh.app import create_app

    await submit(client)
    async with engine.connect() as conn:
        newest = (await conn.execute(select(func.max(events.c.id)))).scalar()
    server = create_app(settings.model_copy(update={"run_sweep": True, "audit_seal_interval_seconds": 0.05}))
    server.state.clock = lambda: NOW
    async with server.router.lifespan_context(server):
        for _ in range(200):
            sealed = await head(engine)
            if sealed and sealed.last_event_id >= newest:
                break
            await asyncio.sleep(0.05)
    assert sealed.last_event_id >= newest and sealed.sealed_at == NOW


async def test_a_chain_cut_back_is_caught_by_the_head_the_last_verification_saw(client, tokens, engine):
    from phananh.audit.verify import record

    await _internal_comment(client, tokens)
    sealed = await _sealed_ok(engine)
    await record(engine, await verify(engine), by="test")
    async with engine.connect() as conn:
        block = dict((await conn.execute(
            select(audit_blocks).where(audit_blocks.c.id == sealed.head.id))).mappings().one())
        hashes = [dict(r) for r in (await conn.execute(
            select(audit_events).where(audit_events.c.block_id == block["id"]))).mappings()]
    async with engine.begin() as conn:  # the newest block cut off: its events look merely not sealed yet
        await conn.execute(delete(audit_events).where(audit_events.c.block_id == block["id"]))
        await conn.execute(delete(audit_blocks).where(audit_blocks.c.id == block["id"]))
    try:
        result = await verify(engine)
        assert result.problem.code == "head_gone" and result.problem.params["hash"] == block["hash"]
        assert "không còn trong chuỗi" in result.problem.text("vi")
    finally:
        async with engine.begin() as conn:
            await conn.execute(insert(audit_blocks).values(block))
            await conn.execute(insert(audit_events), hashes)
    assert (await verify(engine)).ok
