"""`phananh move --to URL`: copy a whole install (every table, the sequences, the media) into a new database.

Made for the one-way trip off the embedded SQLite file to PostgreSQL, but any source and target work.

- **Refuses** a target that holds any table it did not create itself: move into a new, empty database.
- **Resumable**: a `move_progress` table in the target records, in the same transaction as each batch, how far each
  table got; a re-run after an interruption continues from there. It is dropped once everything verifies.
- **One snapshot**: the source is read in one read transaction (SQLite WAL / PostgreSQL repeatable read), so the
  copy is consistent even if a server still writes; stop the servers anyway, or the newest reports stay behind.
- **Verified**: per table, the row count and a checksum computed the same way on both sides (see `row_digest`),
  then the audit chain is verified on the target.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ColumnElement,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    delete,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from phananh.config import Settings
from phananh.db import create_engine
from phananh.tables import metadata

BATCH_ROWS = 5_000
_MASK = (1 << 256) - 1

# Not part of the schema: lives in the target only while a move is under way.
_progress_md = MetaData()
move_progress = Table(
    "move_progress",
    _progress_md,
    Column("table_name", String(100), primary_key=True),
    Column("rows_copied", BigInteger, nullable=False, default=0),
    Column("last_key", BigInteger),  # the highest primary key copied, for tables keyed by one integer
    Column("done", Boolean, nullable=False, default=False),
    Column("source", Text),  # on the "*" row: the source database the move started from
)
_START = "*"


class MoveError(Exception):
    """The move stopped: the message says why and what to do."""


class MoveRefused(MoveError):
    """The move cannot start (or resume)."""


class MoveFailed(MoveError):
    """A row could not be written into the target (e.g. text longer than its column, which SQLite never checks);
    what was copied stays, and a re-run resumes once the row is fixed in the source."""


@dataclass
class TableCheck:
    table: str
    source_rows: int
    target_rows: int
    source_checksum: str
    target_checksum: str

    @property
    def ok(self) -> bool:
        return self.source_rows == self.target_rows and self.source_checksum == self.target_checksum


@dataclass
class MediaCopy:
    source: str
    destination: str
    files: int = 0
    copied: int = 0  # written this run (the rest were already there)
    bytes_copied: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass
class MoveResult:
    tables: list[TableCheck]
    resumed: bool
    audit_ok: bool
    audit_message: str
    media: MediaCopy | None = None

    @property
    def ok(self) -> bool:
        return all(t.ok for t in self.tables) and self.audit_ok and not (self.media and self.media.problems)


def normalise_url(url: str) -> str:
    """`postgresql://` and `postgres://` get the asyncpg driver; `sqlite://` gets aiosqlite."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+asyncpg")
    elif u.drivername == "sqlite":
        u = u.set(drivername="sqlite+aiosqlite")
    return u.render_as_string(hide_password=False)


def shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


# --- checksums ---------------------------------------------------------------------------------------------------

def _canonical(value):
    """One form per value, whatever database it came from."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return {"f": repr(value)}
    if isinstance(value, Decimal):
        return {"d": str(value.normalize())}
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return {"t": value.isoformat(timespec="microseconds")}
    if isinstance(value, date):
        return {"t": value.isoformat()}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"b": bytes(value).hex()}
    if isinstance(value, dict):
        return {"j": {str(k): _canonical(v) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return {"s": str(value)}


def row_digest(row) -> int:
    """SHA-256 of a row's values in column order: datetimes as UTC ISO with microseconds, floats by repr, decimals
    normalised, JSON with sorted keys. A table's checksum is the sum of its rows' digests modulo 2**256, so it does
    not depend on row order (SQLite and PostgreSQL sort text differently)."""
    doc = json.dumps([_canonical(v) for v in row], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return int.from_bytes(hashlib.sha256(doc.encode("utf-8")).digest(), "big")


async def table_summary(conn: AsyncConnection, table: Table) -> tuple[int, str]:
    """(row count, checksum) of a table, streamed."""
    count, total = 0, 0
    result = await conn.stream(select(table).execution_options(yield_per=BATCH_ROWS))
    async for partition in result.partitions(BATCH_ROWS):
        for row in partition:
            count += 1
            total = (total + row_digest(row)) & _MASK
    return count, f"{total:064x}"


# --- the move ----------------------------------------------------------------------------------------------------

def _int_key(table: Table) -> Column | None:
    """The primary key column when it is one integer: such tables are copied in resumable batches."""
    cols = list(table.primary_key.columns)
    if len(cols) == 1 and isinstance(cols[0].type, (Integer, BigInteger)):
        return cols[0]
    return None


def _self_refs(table: Table) -> list[Column]:
    """Columns pointing into their own table (a report merged into another, an agency's parent): copied as NULL,
    then filled in, so that row order never trips a foreign key."""
    return [fk.parent for fk in table.foreign_keys if fk.column.table is table and fk.parent.nullable]


async def _target_tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


async def _source_heads_match(engine: AsyncEngine) -> None:
    from alembic.script import ScriptDirectory

    from phananh.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    async with engine.connect() as conn:
        try:
            stored = tuple(r[0] for r in (await conn.execute(text("SELECT version_num FROM alembic_version"))).all())
        except Exception:
            stored = ()
    applied = {r.revision for r in script.revision_map.iterate_revisions(stored, "base")} if stored else set()
    if applied != {r.revision for r in script.walk_revisions()}:
        raise MoveRefused("The source database is not at the current schema: run `phananh migrate` on it first.")


async def _prepare_target(target_url: str, engine: AsyncEngine, source_url: str) -> bool:
    """Create the schema in an empty target, or find the marker of an interrupted move; returns True on a resume."""
    from phananh.migrate import upgrade

    present = await _target_tables(engine)
    if "move_progress" in present:
        async with engine.connect() as conn:
            started = (await conn.execute(select(move_progress.c.source)
                                          .where(move_progress.c.table_name == _START))).scalar()
        if started is not None and started != shown(source_url):
            raise MoveRefused(f"The target holds an unfinished move from another source ({started}); "
                              "use a new, empty database.")
        resumed = True
    elif present:
        raise MoveRefused(f"The target database is not empty (it has {len(present)} tables, e.g. "
                          f"{sorted(present)[0]}): move into a new, empty database (createdb), not one that is in "
                          "use or was set up with `phananh migrate`.")
    else:
        # The marker first: an interruption during the schema's creation leaves a target that a re-run resumes.
        async with engine.begin() as conn:
            await conn.run_sync(_progress_md.create_all)
            await conn.execute(insert(move_progress).values(table_name=_START, rows_copied=0, done=False,
                                                            source=shown(source_url)))
        resumed = False
    await asyncio.to_thread(upgrade, target_url)  # a no-op when the schema is already there
    return resumed


async def _copy_table(source: AsyncConnection, target: AsyncEngine, table: Table, *, batch_rows: int,
                      on_batch: Callable[[str, int], None] | None) -> None:
    async with target.connect() as conn:
        state = (await conn.execute(select(move_progress).where(move_progress.c.table_name == table.name))).first()
    if state is not None and state.done:
        return
    key, refs = _int_key(table), _self_refs(table)
    if state is None:
        # Only rows that the migrations themselves wrote can be there: the source's replace them.
        async with target.begin() as conn:
            await conn.execute(delete(table))
            await conn.execute(insert(move_progress).values(table_name=table.name, rows_copied=0, done=False))
    copied = state.rows_copied if state else 0
    last_key = state.last_key if state else None

    if key is None:
        # No integer key to resume from: the whole table in one transaction.
        rows = [dict(r._mapping) for r in (await source.execute(select(table))).all()]
        async with target.begin() as conn:
            await conn.execute(delete(table))
            for start in range(0, len(rows), batch_rows):
                await conn.execute(insert(table), rows[start:start + batch_rows])
            await _mark(conn, table.name, rows_copied=len(rows), done=True)
        if on_batch:
            on_batch(table.name, len(rows))
        return

    while True:
        query = select(table).order_by(key).limit(batch_rows)
        if last_key is not None:
            query = query.where(key > last_key)
        rows = [dict(r._mapping) for r in (await source.execute(query)).all()]
        if not rows:
            break
        for row in rows:
            for col in refs:
                row[col.name] = None
        copied += len(rows)
        last_key = rows[-1][key.name]
        async with target.begin() as conn:
            await conn.execute(insert(table), rows)
            await _mark(conn, table.name, rows_copied=copied, last_key=last_key)
        if on_batch:
            on_batch(table.name, copied)

    async with target.begin() as conn:
        if refs:
            await _fill_self_refs(source, conn, table, key, refs, batch_rows)
        await _mark(conn, table.name, done=True)


async def _fill_self_refs(source: AsyncConnection, conn: AsyncConnection, table: Table, key: Column,
                          refs: list[Column], batch_rows: int) -> None:
    cond: ColumnElement[bool] = refs[0].isnot(None)
    for col in refs[1:]:
        cond = cond | col.isnot(None)
    pairs = (await source.execute(select(key, *refs).where(cond))).all()
    stmt = (update(table).where(key == bindparam("_key"))
            .values({col.name: bindparam(f"_v_{col.name}") for col in refs}))
    for start in range(0, len(pairs), batch_rows):
        await conn.execute(stmt, [{"_key": p[0], **{f"_v_{col.name}": p[i + 1] for i, col in enumerate(refs)}}
                                  for p in pairs[start:start + batch_rows]])


async def _mark(conn: AsyncConnection, name: str, **values) -> None:
    await conn.execute(update(move_progress).where(move_progress.c.table_name == name).values(**values))


async def _reset_sequences(engine: AsyncEngine) -> None:
    """PostgreSQL: every serial/identity sequence continues after the highest copied id."""
    if engine.dialect.name != "postgresql":
        return  # SQLite hands out max(rowid) + 1 by itself
    async with engine.begin() as conn:
        for table in metadata.sorted_tables:
            key = _int_key(table)
            if key is None:
                continue
            await conn.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', '{key.name}'), "
                f"COALESCE(MAX({key.name}), 0) + 1, false) FROM {table.name}"))


async def _source_snapshot(engine: AsyncEngine) -> AsyncConnection:
    conn = await engine.connect()
    if engine.dialect.name == "postgresql":
        await conn.execution_options(isolation_level="REPEATABLE READ")
    else:
        await conn.execution_options(read_only=True)  # a deferred BEGIN: a WAL snapshot, no write lock
    await conn.begin()
    return conn


async def move(source_url: str, target_url: str, *, settings: Settings | None = None, media_to: str | None = None,
               batch_rows: int = BATCH_ROWS, on_batch: Callable[[str, int], None] | None = None) -> MoveResult:
    """Copy every table of `source_url` into the empty database at `target_url`, then verify; see the module doc.
    With `media_to` (file:///path or s3://bucket/prefix), the media of `settings`' store are copied there too."""
    from phananh.audit.verify import verify

    source_url, target_url = normalise_url(source_url), normalise_url(target_url)
    if _same_database(source_url, target_url):
        raise MoveRefused("The source and the target are the same database.")
    if media_to:
        from phananh.media_store import open_store

        if settings is None:  # (was an AttributeError here, and no media copied further down)
            raise ValueError("move(media_to=...) needs settings: the store the media are copied from")
        try:
            open_store(media_to, settings)
        except ValueError as exc:
            raise MoveRefused(str(exc)) from exc
    src = make_url(source_url)
    if src.get_backend_name() == "sqlite" and not (src.database and os.path.exists(src.database)):
        raise MoveRefused(f"There is no database at {src.database or '(memory)'}.")
    source, target = create_engine(source_url), create_engine(target_url)
    try:
        await _source_heads_match(source)
        resumed = await _prepare_target(target_url, target, source_url)
        snap = await _source_snapshot(source)
        try:
            for table in metadata.sorted_tables:
                try:
                    await _copy_table(snap, target, table, batch_rows=batch_rows, on_batch=on_batch)
                except DBAPIError as exc:
                    raise MoveFailed(f"Table {table.name} could not be copied: {str(exc.orig).strip()}. Fix the row "
                                     "in the source, then run the move again: it resumes.") from exc
            await _reset_sequences(target)
            checks = []
            async with target.connect() as tconn:
                for table in metadata.sorted_tables:
                    s_rows, s_sum = await table_summary(snap, table)
                    t_rows, t_sum = await table_summary(tconn, table)
                    checks.append(TableCheck(table.name, s_rows, t_rows, s_sum, t_sum))
        finally:
            await snap.close()
        audit = await verify(target)
        audit_message = ("nothing sealed yet" if audit.ok and audit.head is None else
                         f"{audit.events_checked} events in {audit.blocks_checked} blocks hold"
                         if audit.problem is None else audit.problem.english())
        media = await asyncio.to_thread(copy_media, settings, media_to) if settings and media_to else None
        result = MoveResult(tables=checks, resumed=resumed, audit_ok=audit.ok, audit_message=audit_message,
                            media=media)
        if result.ok:
            async with target.begin() as conn:
                await conn.run_sync(_progress_md.drop_all)
        return result
    finally:
        await source.dispose()
        await target.dispose()


def _same_database(a: str, b: str) -> bool:
    ua, ub = make_url(a), make_url(b)
    if ua.get_backend_name() == ub.get_backend_name() == "sqlite":
        return os.path.abspath(ua.database or ":memory:") == os.path.abspath(ub.database or ":memory:")
    return shown(a) == shown(b)


# --- media ---------------------------------------------------------------------------------------------------------

def copy_media(settings: Settings, to: str) -> MediaCopy:
    """Every file of the configured store into `to`, through `phananh media migrate`'s copy (keys kept, a file
    already there with the same size skipped, sha256 checked against the name): re-runnable."""
    from phananh.media_store import StoreUnavailable, media_url, open_store
    from phananh.media_store.migrate import migrate

    try:
        source, target = open_store(media_url(settings), settings), open_store(to, settings)
    except ValueError as exc:
        raise MoveRefused(str(exc)) from exc
    out = MediaCopy(source=source.url, destination=target.url)
    if source.url.rstrip("/") == target.url.rstrip("/"):
        raise MoveRefused("The media source and target are the same store.")
    root = getattr(target, "root", None)  # a folder: made here, as `phananh migrate` makes PHANANH_MEDIA_DIR
    if root is not None:
        root.mkdir(parents=True, exist_ok=True)
    try:
        target.check()
        copied = migrate(source, target)
    except StoreUnavailable as exc:
        out.problems.append(f"the media store did not answer: {exc}")
        return out
    out.files, out.copied, out.bytes_copied, out.problems = (copied.total, copied.copied, copied.bytes_copied,
                                                             copied.failed)
    return out


def report_lines(result: MoveResult) -> list[str]:
    """The table printed by `phananh move`: table, rows, checksum (first 16 hex digits), ok."""
    width = max((len(t.table) for t in result.tables), default=5)
    lines = [f"{'table':<{width}}  {'rows':>9}  {'checksum':<16}  ok"]
    for t in result.tables:
        mark = "ok" if t.ok else f"DIFFERS (target: {t.target_rows} rows, {t.target_checksum[:16]})"
        lines.append(f"{t.table:<{width}}  {t.source_rows:>9}  {t.source_checksum[:16]}  {mark}")
    lines.append(f"audit chain on the target: {'ok' if result.audit_ok else 'FAILED'} ({result.audit_message})")
    if result.media is not None:
        m = result.media
        lines.append(f"media: {m.files} files in {m.destination} ({m.copied} copied now, {m.bytes_copied} bytes)"
                     + ("" if not m.problems else f"; PROBLEMS: {'; '.join(m.problems)}"))
    return lines
