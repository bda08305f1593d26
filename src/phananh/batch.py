"""A batch of dependent writes in one round trip: a submit's report, clock, event, media and counters.

On PostgreSQL the batch is one statement of data-modifying CTEs: part of the caller's transaction when one is
open on the connection, else its own transaction, sent straight to asyncpg in one round trip (a submit opens
no transaction before it: `reports.routes.submit_report`). Elsewhere (SQLite, embedded) its steps run in order
through SQLAlchemy in the caller's transaction (begun by the first of them when none is open). Either way a row may
use the id an earlier step inserted (`Ref`), and a step whose referenced insert wrote nothing (an
`insert_once` that met its conflict) writes nothing either.

Issue 7's profile: a submit spent half its time in eight statements' round trips and SQLAlchemy's per-statement
work; as one statement it pays for one round trip, like the benchmark's floor and its single insert.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any, Literal

from sqlalchemy import Column, String, Table, TypeDecorator, bindparam, insert, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from phananh.db import metadata

Mode = Literal["insert", "insert_once", "add", "replace"]


@dataclass(frozen=True)
class Ref:
    """The id inserted by the step named `step` (`% mod` when given: the statistics shard)."""

    step: str
    mod: int | None = None


@dataclass(frozen=True)
class Step:
    """Rows for `table`, all with the same columns.

    mode: `insert`; `insert_once` (ON CONFLICT (`conflict`) DO NOTHING); `add` (an upsert on `conflict` adding
    the `sums` columns to the existing row); `replace` (an upsert on `conflict` overwriting the other columns).
    A named step returns the id of its one row (later rows may use it: `Ref(name)`), or with `many` the ids of
    all its rows, in order, as a list (which no `Ref` may use).
    """

    table: Table
    rows: list[dict[str, Any]]
    mode: Mode = "insert"
    name: str | None = None
    conflict: tuple[str, ...] = ()
    sums: tuple[str, ...] = ()
    many: bool = False

    def __post_init__(self):
        assert self.rows, "a step writes at least one row"
        assert self.name is None or self.many or len(self.rows) == 1, "a named step inserts one row, unless many"
        assert not self.many or self.mode == "insert", "the ids of many rows: plain inserts only"
        assert self.mode == "insert" or self.conflict, f"{self.mode} needs its conflict columns"


@dataclass
class Batch:
    steps: list[Step] = field(default_factory=list)

    def add(self, *steps: Step) -> Batch:
        self.steps.extend(steps)
        return self

    async def run(self, conn: AsyncConnection) -> dict[str, Any]:
        """Write every step; the id each named step inserted (None: it met its conflict and wrote nothing; a list
        for `many`, empty when nothing was written)."""
        if not self.steps:
            return {}
        if conn.dialect.name == "postgresql":
            return await _run_postgresql(conn, self.steps)
        return await _run_in_order(conn, self.steps)


# --- PostgreSQL: one statement ------------------------------------------------------------------------------


def _shape(steps: list[Step]) -> tuple:
    """What the SQL text depends on (not the values): cached per shape, prepared once per connection by asyncpg."""
    out = []
    for s in steps:
        first = s.rows[0]
        columns = tuple(first)
        refs = tuple((c, v.step, v.mod) for c, v in first.items() if isinstance(v, Ref))
        out.append((s.table.name, s.mode, s.name, s.conflict, s.sums, columns, refs, len(s.rows), s.many))
    return tuple(out)


async def _run_postgresql(conn: AsyncConnection, steps: list[Step]) -> dict[str, Any]:
    sql, names, bound = _compiled(_shape(steps), conn.dialect)
    params: list[Any] = []
    for s, columns in zip(steps, bound):
        for row in s.rows:
            for column, process in columns:
                value = row[column]
                params.append(value if process is None or value is None else process(value))
    if conn.in_transaction():
        # Part of the caller's transaction: through SQLAlchemy, which begins it on the driver if nothing ran yet.
        record = (await conn.exec_driver_sql(sql, tuple(params))).first()
    else:
        record = await _fetchrow_alone(conn, sql, params)
    return dict(zip(names, record)) if names else {}


async def _fetchrow_alone(conn: AsyncConnection, sql: str, params: list) -> Any:
    """No transaction open: the one statement is its own transaction, sent straight to asyncpg (no BEGIN, no
    COMMIT, none of SQLAlchemy's per-statement work: the submit's hot path)."""
    sync = conn.sync_connection
    # The pooled connection this AsyncConnection already holds, taken without a greenlet hop when it is valid.
    raw = sync.connection if sync is not None and not sync.invalidated else await conn.get_raw_connection()
    try:
        return await raw.driver_connection.fetchrow(sql, *params)
    except Exception as error:
        lost = raw.driver_connection.is_closed()
        translated = _translate(conn, raw, error)
        if lost:  # the server went away: SQLAlchemy must not hand this connection out again
            await conn.invalidate(error)
        if translated is None:
            raise
        # Raised as SQLAlchemy would have: callers and the error handlers know those.
        raise DBAPIError.instance(sql, params, translated, conn.dialect.loaded_dbapi.Error,
                                  connection_invalidated=lost) from error


def _translate(conn: AsyncConnection, raw, error: Exception) -> Exception | None:
    """The DB-API error SQLAlchemy's asyncpg adapter makes of `error` (None: not a database error)."""
    try:
        raw._handle_exception(error)
    except conn.dialect.loaded_dbapi.Error as translated:
        return translated
    except Exception:
        return None
    return None


@lru_cache(maxsize=256)
def _compiled(shape: tuple, dialect) -> tuple[str, list[str], list[list[tuple[str, Any]]]]:
    """The statement of a shape, the names it returns ids for, and per step the bound (non-`Ref`) columns in
    parameter order with SQLAlchemy's value conversion for each (aware UTC datetimes, JSON text) or None."""
    sql, names = _cte_sql(shape)
    bound = []
    for table_name, _mode, _name, _conflict, _sums, columns, refs, _nrows, _many in shape:
        table, referring = metadata.tables[table_name], {c for c, _step, _mod in refs}
        bound.append([(c, table.c[c].type.dialect_impl(dialect).bind_processor(dialect))
                      for c in columns if c not in referring])
    return sql, names, bound


def _cte_sql(shape: tuple) -> tuple[str, list[str]]:
    ctes, names, results, cte_of, n = [], [], [], {}, 0
    for i, (table_name, mode, name, conflict, sums, columns, refs, nrows, many) in enumerate(shape):
        table = metadata.tables[table_name]
        cte = f"s{i}"
        ref_of = {c: (step, mod) for c, step, mod in refs}
        sources = sorted({cte_of[step] for step, _ in ref_of.values()})
        selects = []
        for _ in range(nrows):
            exprs = []
            for c in columns:
                if c in ref_of:
                    step, mod = ref_of[c]
                    exprs.append(f"{cte_of[step]}.id" if mod is None else f"({cte_of[step]}.id % {mod})")
                else:
                    n += 1
                    exprs.append(f"${n}::{_pg_type(table.c[c])}")
            selects.append(f"SELECT {', '.join(exprs)}" + (f" FROM {', '.join(sources)}" if sources else ""))
        body = f"INSERT INTO {table_name} ({', '.join(_q(c) for c in columns)}) {' UNION ALL '.join(selects)}"
        body += _on_conflict(table_name, mode, conflict, sums, columns)
        if name:
            body += " RETURNING id"
            names.append(name)
            if many:
                results.append(f"(SELECT coalesce(array_agg(id ORDER BY id), '{{}}') FROM {cte})")
            else:
                cte_of[name] = cte
                results.append(f"(SELECT id FROM {cte})")
        ctes.append(f"{cte} AS ({body})")
    return f"WITH {', '.join(ctes)} SELECT {', '.join(results) or '1'}", names


def _on_conflict(table: str, mode: Mode, conflict: tuple, sums: tuple, columns: tuple) -> str:
    if mode == "insert":
        return ""
    target = f" ON CONFLICT ({', '.join(_q(c) for c in conflict)})"
    if mode == "insert_once":
        return target + " DO NOTHING"
    if mode == "add":
        return target + " DO UPDATE SET " + ", ".join(f"{_q(c)} = {table}.{_q(c)} + excluded.{_q(c)}" for c in sums)
    return target + " DO UPDATE SET " + ", ".join(f"{_q(c)} = excluded.{_q(c)}" for c in columns if c not in conflict)


def _q(name: str) -> str:
    return f'"{name}"'


def _pg_type(column: Column) -> str:
    """The cast of a parameter: the column's type, but strings without their length (an explicit cast to
    VARCHAR(n) would silently truncate; the assignment to the column then checks the length, as usual)."""
    from sqlalchemy.dialects import postgresql

    kind = column.type.impl if isinstance(column.type, TypeDecorator) else column.type
    if isinstance(kind, String):
        return "text" if kind.length is None else "varchar"
    return kind.compile(dialect=postgresql.dialect())


# --- Elsewhere: the steps in order, in the caller's transaction ---------------------------------------------


async def _run_in_order(conn: AsyncConnection, steps: list[Step]) -> dict[str, Any]:
    ids: dict[str, Any] = {}
    for s in steps:
        refs = {v.step for v in s.rows[0].values() if isinstance(v, Ref)}
        if any(ids.get(step) is None for step in refs):  # what it refers to was not written
            if s.name:
                ids[s.name] = [] if s.many else None
            continue
        rows = [{c: _resolve(v, ids) for c, v in row.items()} for row in s.rows]
        if s.mode == "insert":
            stmt = insert(s.table)
            if s.many and s.name:
                returning = stmt.returning(s.table.c.id)
                ids[s.name] = [(await conn.execute(returning, row)).scalar_one() for row in rows]
            elif s.name:
                ids[s.name] = (await conn.execute(stmt.returning(s.table.c.id), rows[0])).scalar_one()
            else:
                await conn.execute(stmt, rows)
            continue
        stmt = _upsert_sql(s.table, s.mode, tuple(rows[0]), s.conflict, s.sums, bool(s.name))
        if s.name:
            ids[s.name] = (await conn.execute(stmt, rows[0])).scalar()
        else:
            await conn.execute(stmt, rows)
    return ids


def _resolve(value, ids):
    if not isinstance(value, Ref):
        return value
    return ids[value.step] if value.mod is None else ids[value.step] % value.mod


@cache
def _upsert_sql(table: Table, mode: Mode, columns: tuple, conflict: tuple, sums: tuple, returning: bool):
    """INSERT ... ON CONFLICT as plain SQL (the same on PostgreSQL and SQLite), typed, compiled once: SQLAlchemy
    cannot cache its dialect `on_conflict_do_update` constructs, and compiling one per event was costly."""
    sql = (f"INSERT INTO {table.name} ({', '.join(_q(c) for c in columns)}) "
           f"VALUES ({', '.join(':' + c for c in columns)})"
           + _on_conflict(table.name, mode, conflict, sums, columns) + (" RETURNING id" if returning else ""))
    return text(sql).bindparams(*[bindparam(c, type_=table.c[c].type) for c in columns])


__all__ = ["Batch", "Ref", "Step"]
