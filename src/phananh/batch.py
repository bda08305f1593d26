"""A batch of dependent writes in one round trip: a submit's report, clock, event, media and counters.

On PostgreSQL the batch is one statement of data-modifying CTEs: part of the caller's transaction when one is
open on the connection, else its own transaction, sent straight to asyncpg in one round trip (a submit opens
no transaction before it: `reports.routes.submit_report`). Elsewhere (SQLite, embedded) its steps run in order
through SQLAlchemy in the caller's transaction (begun by the first of them when none is open). Either way a row may
use the id an earlier step inserted (`Ref`), and a step whose referenced insert wrote nothing (an
`insert_once` that met its conflict) writes nothing either.

Issue 7's profile: a submit spent half its time in eight statements' round trips and SQLAlchemy's per-statement
work; as one statement it pays for one round trip, like the benchmark's floor and its single insert.

The two paths must write the same rows, so a plan is checked before anything runs (`PlanError`), and two shapes
are rewritten into ones both paths run alike (issue 13):
- a column left out that has a Python-side scalar default (`Column(default=...)`) is written with that default
  (SQLAlchemy filled it on SQLite; the one statement sent NULL on PostgreSQL);
- `add` rows for one counter cell, in one step or in several `add` steps of one table, become one row with the
  sums added (PostgreSQL refuses to upsert one row twice in one statement; SQLite added twice).
Refused: unknown or left-out NOT NULL columns, rows of one step with different columns or `Ref`s, a `Ref` to a
step that is not an earlier named single-row step, duplicate names, conflict columns that are no unique key, two
steps upserting one table that cannot be merged, an upsert and another write of one table, two `replace` or
`insert_once` rows for one key, a value of another Python type than its column's or longer than its VARCHAR
(asyncpg and PostgreSQL refuse them, SQLite stores them). The checks of a shape are cached; per call only the
rows' values are looked at (microseconds; no query).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from functools import cache, lru_cache
from operator import itemgetter
from typing import Any, Literal

from sqlalchemy import (
    Boolean,
    Column,
    ColumnDefault,
    Date,
    DateTime,
    Float,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    TypeDecorator,
    UniqueConstraint,
    bindparam,
    insert,
    text,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from phananh.db import metadata
from phananh.ops import tracing

Mode = Literal["insert", "insert_once", "add", "replace"]
_MODES = ("insert", "insert_once", "add", "replace")


class PlanError(ValueError):
    """A plan the two paths (one PostgreSQL statement; SQLite's steps in order) would not run alike, or that no
    database would run: refused before anything is written, the same on every database."""


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
        # Raised, not asserted: `python -O` must not let a malformed step through.
        where = f"Step on {self.table.name}"
        if not self.rows:
            raise PlanError(f"{where}: a step writes at least one row")
        if self.mode not in _MODES:
            raise PlanError(f"{where}: unknown mode {self.mode!r}")
        if self.name is not None and not self.many and len(self.rows) != 1:
            raise PlanError(f"{where}: a named step inserts one row, unless many")
        if self.many and self.mode != "insert":
            raise PlanError(f"{where}: the ids of many rows: plain inserts only")
        if self.mode != "insert" and not self.conflict:
            raise PlanError(f"{where}: {self.mode} needs its conflict columns")
        if self.sums and self.mode != "add":
            raise PlanError(f"{where}: sums are for mode add only")


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
        steps, shape = checked(self.steps)
        if conn.dialect.name == "postgresql":
            return await _run_postgresql(conn, steps, shape.compiled(conn.dialect))
        return await _run_in_order(conn, steps)


# --- The plan's checks ---------------------------------------------------------------------------------------


def checked(steps: list[Step]) -> tuple[list[Step], _Shape]:
    """The steps as both paths run them (defaults written, one row per counter cell) and their shape; PlanError
    for a plan they would not run alike. Nothing is read from the database.

    A plan whose tables, modes, names, columns and row counts were seen before is checked against what that first
    check found (its `Ref`s, its columns' types): when everything agrees, only the values are looked at; anything
    else goes through the full check below, which raises what it always raised."""
    key = tuple([(s.table.name, s.mode, s.name, s.conflict, s.sums, tuple(s.rows[0]), len(s.rows), s.many)
                 for s in steps])
    known = _SHAPES.get(key)
    if known is not None and _agrees(steps, known):
        if not (known.rewrites or any(_repeats_a_key(steps[i]) for i in known.keyed)):
            return steps, known
        steps = _rewritten(steps, known.fill, known.groups, known.keyed)
        return steps, _Shape(_shape(steps))
    for s in steps:
        if len(s.rows) > 1:
            _check_rows(s)
    shape = _shape(steps)
    fill, groups, keyed, kinds = _plan(shape)
    _check_values(steps, kinds)
    checked_shape = _Shape(shape, fill, groups, keyed, kinds)
    if known is None and len(_SHAPES) < 512:  # the first plan of these tables and columns sets their Refs
        _SHAPES[key] = checked_shape
    if not (fill or groups or any(_repeats_a_key(steps[i]) for i in keyed)):
        return steps, checked_shape  # the usual plan, as given
    steps = _rewritten(steps, fill, groups, keyed)
    return steps, _Shape(_shape(steps))


class _Shape:
    """A checked shape (`_shape`), what `_plan` found for it, and its compiled statement per dialect."""

    __slots__ = ("shape", "fill", "groups", "keyed", "rewrites", "refs", "values", "_compiled")

    def __init__(self, shape: tuple, fill: tuple = (), groups: tuple = (), keyed: tuple = (), kinds: tuple = ()):
        self.shape, self.fill, self.groups, self.keyed = shape, fill, groups, keyed
        self.rewrites = bool(fill or groups)
        # Per step: the Ref each referring column holds, and every other column with the types its values take
        # (None: not checked, but no Ref either) and its VARCHAR length.
        self.refs = tuple(tuple((c, Ref(step, mod)) for c, step, mod in refs) for *_, refs, _n, _m in shape)
        self.values = []
        for (_t, _mode, _name, _conflict, _sums, columns, refs, _n, _m), checks in zip(shape, kinds):
            referring, typed = {c for c, _s, _mod in refs}, {c: (types, length) for c, types, length in checks}
            self.values.append(tuple((c, *typed.get(c, (None, None))) for c in columns if c not in referring))
        self._compiled: dict = {}

    def compiled(self, dialect) -> tuple[str, list[str], list]:
        found = self._compiled.get(dialect)
        if found is None:
            found = self._compiled[dialect] = _compiled(self.shape, dialect)
        return found


_SHAPES: dict[tuple, _Shape] = {}


def _agrees(steps: list[Step], known: _Shape) -> bool:
    """The plan has the shape `known` was checked for (the same Refs in the same columns of every row, no Ref
    elsewhere, the same columns in every row) and each value the type and length its column takes."""
    for s, refs, values in zip(steps, known.refs, known.values):
        rows = s.rows
        columns = rows[0].keys()
        for row in rows:
            if row.keys() != columns:
                return False
            for c, ref in refs:
                if row[c] != ref:
                    return False
            for c, types, length in values:
                value = row[c]
                if value is None:
                    continue
                if types is None:
                    if isinstance(value, Ref):
                        return False
                elif not isinstance(value, types) or (length is not None and len(value) > length):
                    return False
    return True


def _repeats_a_key(s: Step) -> bool:
    conflict = s.conflict
    try:
        return len({tuple([row[c] for c in conflict]) for row in s.rows}) < len(s.rows)
    except TypeError as error:
        raise PlanError(f"Step on {s.table.name}: a conflict key that is no plain value ({error})") from None


def _check_rows(s: Step) -> None:
    """The statement is made for the first row: every row has its columns, and its `Ref`s in the same places."""
    first = s.rows[0]
    columns = first.keys()
    refs = {c: v for c, v in first.items() if isinstance(v, Ref)}
    for row in s.rows[1:]:
        if row.keys() != columns:
            raise PlanError(f"Step on {s.table.name}: its rows have different columns "
                            f"({', '.join(sorted(columns ^ row.keys()))}); every row names the same ones")
        for c, v in row.items():
            if (c in refs or isinstance(v, Ref)) and refs.get(c) != v:
                raise PlanError(f"Step on {s.table.name}: its rows differ in {c} ({refs.get(c)!r}, {v!r}); every "
                                f"row has the same Refs in the same columns")


def _check_values(steps: list[Step], kinds: tuple) -> None:
    """Each value of the Python type its column takes (asyncpg refuses a number for a string, an int for a boolean,
    where SQLite stores it as given) and no longer than its VARCHAR (PostgreSQL refuses, SQLite stores it)."""
    for s, columns in zip(steps, kinds):
        for row in s.rows:
            for column, types, length in columns:
                value = row[column]
                if value is None:
                    continue
                if not isinstance(value, types):
                    raise PlanError(f"Step on {s.table.name}: {column} takes {_names(types)}, not "
                                    f"{type(value).__name__} ({value!r:.40})")
                if length is not None and len(value) > length:
                    raise PlanError(f"Step on {s.table.name}: {column} is {len(value)} characters, too long for "
                                    f"its {length}")


def _names(types: type | tuple[type, ...]) -> str:
    return " or ".join(t.__name__ for t in (types if isinstance(types, tuple) else (types,)))


def _kind(column: Column) -> tuple[type | tuple[type, ...], int | None] | None:
    """The Python types a column's values are checked against, and its VARCHAR length (None: not checked)."""
    kind = column.type.impl_instance if isinstance(column.type, TypeDecorator) else column.type
    if isinstance(kind, Boolean):
        return bool, None
    if isinstance(kind, Integer):  # bool is an int, and both databases store it as 0/1
        return int, None
    if isinstance(kind, Float | Numeric):
        return (int, float, Decimal), None
    if isinstance(kind, String):
        return str, kind.length
    if isinstance(kind, DateTime):
        return datetime, None
    if isinstance(kind, Date):  # a datetime is a date; both paths keep its day
        return date, None
    return None  # JSON and the rest: SQLAlchemy's processor serialises them alike on both paths


@lru_cache(maxsize=512)
def _plan(shape: tuple) -> tuple[tuple, tuple, tuple, tuple]:
    """The checks that depend on the shape alone (cached), and what to rewrite or look at per call: `fill`, per
    step, the (column, scalar default) it leaves out; `groups`, the `add` steps of one table merged into their
    first; `keyed`, the upsert steps whose rows may name one key twice; `kinds`, per step, the (column, types,
    length) its values are checked against."""
    named: dict[str, bool] = {}  # name -> many
    by_table: dict[str, list[int]] = {}
    fill, keyed, kinds = [], [], []
    for i, (table_name, mode, name, conflict, sums, columns, refs, nrows, _many) in enumerate(shape):
        where = f"Step {i} ({mode} into {table_name})"
        table = metadata.tables.get(table_name)
        if table is None:
            raise PlanError(f"{where}: not a table of phananh's metadata")
        unknown = [c for c in columns if c not in table.c]
        if unknown:
            raise PlanError(f"{where}: {table_name} has no column {', '.join(unknown)}")
        referring = {column for column, _step, _mod in refs}
        kinds.append(tuple((c, *kind) for c in columns if c not in referring
                           and (kind := _kind(table.c[c])) is not None))
        for column, step, _mod in refs:
            if step not in named:
                raise PlanError(f"{where}: Ref({step!r}) in {column} names no earlier named step (a Ref points back)")
            if named[step]:
                raise PlanError(f"{where}: Ref({step!r}) in {column} names a step of many rows (its ids are a list)")
        if name is not None:
            if name in named:
                raise PlanError(f"{where}: two steps are named {name!r}")
            if "id" not in table.c:
                raise PlanError(f"{where}: a named step returns its row's id, and {table_name} has no id column")
            named[name] = _many
        defaults = []
        for col in table.c:
            if col.name in columns:
                continue
            if col.default is not None:
                # SQLAlchemy writes it on the SQLite path; the PostgreSQL statement must write the same.
                if not (isinstance(col.default, ColumnDefault) and col.default.is_scalar):
                    raise PlanError(f"{where}: {col.name} is left out and its default is computed by SQLAlchemy, "
                                    f"which the PostgreSQL statement cannot do; give its value")
                defaults.append((col.name, col.default.arg))
            elif not col.nullable and col.server_default is None and col is not table.autoincrement_column:
                raise PlanError(f"{where}: {col.name} is NOT NULL, has no default and is left out")
        if defaults:
            fill.append((i, tuple(defaults)))
        if mode != "insert":
            written = {*columns, *(c for c, _ in defaults)}
            if not set(conflict) <= written:
                raise PlanError(f"{where}: its conflict columns ({', '.join(conflict)}) are not all written")
            if frozenset(conflict) not in _unique_keys(table):
                raise PlanError(f"{where}: ({', '.join(conflict)}) is no primary or unique key of {table_name}, "
                                f"which ON CONFLICT needs")
            if mode == "add" and (not sums or not set(sums) <= set(columns) or set(sums) & set(conflict)):
                raise PlanError(f"{where}: add sums written columns outside its conflict key, and at least one")
            if mode == "replace" and not set(columns) - set(conflict):
                raise PlanError(f"{where}: replace has no column to overwrite")
            if nrows > 1:
                keyed.append(i)
        by_table.setdefault(table_name, []).append(i)
    groups = []
    for table_name, steps in by_table.items():
        if len(steps) == 1 or all(shape[i][1] == "insert" for i in steps):
            continue  # plain inserts of one table in several steps: new rows, the same on both paths
        first = _mergeable(shape[steps[0]])
        if first is None or any(_mergeable(shape[i]) != first for i in steps[1:]):
            raise PlanError(f"Steps {', '.join(map(str, steps))} all write {table_name} and one of them upserts: "
                            f"PostgreSQL's one statement cannot write a row twice (SQLite's steps can); plan "
                            f"one step (only unnamed add steps of the same columns and Refs are merged)")
        groups.append(tuple(steps))
        if steps[0] not in keyed:
            keyed.append(steps[0])
    return tuple(fill), tuple(groups), tuple(sorted(keyed)), tuple(kinds)


def _mergeable(shape_step: tuple) -> tuple | None:
    """What must agree between `add` steps on one table for their rows to be one step's (None: not an add)."""
    _table, mode, name, conflict, sums, columns, refs, _nrows, _many = shape_step
    if mode != "add" or name is not None:
        return None
    return conflict, sums, frozenset(columns), frozenset(refs)


def _rewritten(steps: list[Step], fill: tuple, groups: tuple, keyed: tuple) -> list[Step]:
    steps = list(steps)
    for i, defaults in fill:
        s = steps[i]
        steps[i] = replace(s, rows=[{**row, **dict(defaults)} for row in s.rows])
    merged: set[int] = set()
    for first, *rest in groups:
        rows = [row for i in (first, *rest) for row in steps[i].rows]
        steps[first] = replace(steps[first], rows=rows)
        merged.update(rest)
    for i in keyed:
        s = steps[i]
        if not _repeats_a_key(s):
            continue
        cells: dict[tuple, dict[str, Any]] = {}
        for row in s.rows:
            key = tuple(row[c] for c in s.conflict)
            prior = cells.get(key)
            if prior is None:
                cells[key] = row
            elif s.mode == "add":  # two adds to one counter cell: one add of their sum
                try:
                    cells[key] = {**prior, **{c: prior[c] + row[c] for c in s.sums}}
                except TypeError:
                    raise PlanError(f"Step on {s.table.name}: {', '.join(s.sums)} of the cell {key} are no "
                                    f"numbers to add") from None
            else:
                raise PlanError(f"Step on {s.table.name}: two rows for the key {key}: which one a {s.mode} keeps "
                                f"is not defined on PostgreSQL; plan one")
        steps[i] = replace(s, rows=list(cells.values()))
    return [s for i, s in enumerate(steps) if i not in merged] if merged else steps


@cache
def _unique_keys(table: Table) -> frozenset[frozenset[str]]:
    """The column sets ON CONFLICT can name: the primary key, unique constraints, full unique indexes."""
    keys = {frozenset(c.name for c in k.columns) for k in table.constraints
            if isinstance(k, PrimaryKeyConstraint | UniqueConstraint)}
    keys |= {frozenset(c.name for c in ix.columns) for ix in table.indexes
             if ix.unique and not any(k.endswith("_where") and v is not None for k, v in ix.dialect_kwargs.items())}
    return frozenset(k for k in keys if k)


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


async def _run_postgresql(conn: AsyncConnection, steps: list[Step], compiled: tuple) -> dict[str, Any]:
    sql, names, bound = compiled
    params: list[Any] = []
    for s, (get, processes) in zip(steps, bound):
        for row in s.rows:
            if processes:
                values = list(get(row))
                for i, process in processes:
                    value = values[i]
                    if value is not None:
                        values[i] = process(value)
                params += values
            else:
                params += get(row)
    if conn.in_transaction():
        # Part of the caller's transaction: through SQLAlchemy, which begins it on the driver if nothing ran yet.
        record = (await conn.exec_driver_sql(sql, tuple(params))).first()
    else:
        with tracing.statement_span(conn.dialect.name, sql):  # SQLAlchemy's events do not see it (ops.tracing)
            record = await _fetchrow_alone(conn, sql, params)
    return dict(zip(names, record)) if names and record is not None else {}


async def _fetchrow_alone(conn: AsyncConnection, sql: str, params: list) -> Any:
    """No transaction open: the one statement is its own transaction, sent straight to asyncpg (no BEGIN, no
    COMMIT, none of SQLAlchemy's per-statement work: the submit's hot path)."""
    sync = conn.sync_connection
    # The pooled connection this AsyncConnection already holds, taken without a greenlet hop when it is valid.
    raw = sync.connection if sync is not None and not sync.invalidated else await conn.get_raw_connection()
    driver = raw.driver_connection
    if driver is None:  # a pooled connection always has its asyncpg connection; typed Optional by SQLAlchemy
        raise RuntimeError("the pooled connection has no driver connection")
    try:
        return await driver.fetchrow(sql, *params)
    except Exception as error:
        lost = driver.is_closed()
        translated = _translate(conn, error)
        if lost:  # the server went away: SQLAlchemy must not hand this connection out again
            await conn.invalidate(error)
        if translated is None:
            raise
        # Raised as SQLAlchemy would have: callers and the error handlers know those.
        raise DBAPIError.instance(sql, params, translated, conn.dialect.loaded_dbapi.Error,
                                  connection_invalidated=lost) from error


def _translate(conn: AsyncConnection, error: Exception) -> Exception | None:
    """The DB-API error of asyncpg's `error` (None: not a database error), of the class SQLAlchemy's asyncpg
    adapter gives it in a statement run through SQLAlchemy (the most specific asyncpg class first, as its
    mapping does), with the SQLSTATE (`backpressure` reads it), built from the DB-API's public error classes: the
    same error whether the batch ran inside a transaction or alone."""
    dbapi = conn.dialect.loaded_dbapi
    names = _dbapi_error_names()
    for kind in type(error).__mro__:
        name = names.get(kind)
        if name is not None:
            translated = getattr(dbapi, name)(f"{type(error)}: {error}")
            translated.pgcode = translated.sqlstate = getattr(error, "sqlstate", None)
            return translated
    return None


@cache
def _dbapi_error_names() -> dict[type, str]:
    import asyncpg

    return {
        asyncpg.exceptions.IntegrityConstraintViolationError: "IntegrityError",
        asyncpg.exceptions.PostgresError: "Error",
        asyncpg.exceptions.SyntaxOrAccessError: "ProgrammingError",
        asyncpg.exceptions.InterfaceError: "InterfaceError",
        asyncpg.exceptions.InvalidCachedStatementError: "NotSupportedError",
        asyncpg.exceptions.InternalServerError: "InternalError",
        asyncpg.exceptions.InternalClientError: "InternalError",
    }


@lru_cache(maxsize=256)
def _compiled(shape: tuple, dialect) -> tuple[str, list[str], list[tuple[Callable[[dict], tuple], tuple]]]:
    """The statement of a shape, the names it returns ids for, and per step a getter of the bound (non-`Ref`)
    values of a row in parameter order, with the (position, SQLAlchemy value conversion) of those converted
    (aware UTC datetimes, JSON text)."""
    sql, names = _cte_sql(shape)
    bound = []
    for table_name, _mode, _name, _conflict, _sums, columns, refs, _nrows, _many in shape:
        table, referring = metadata.tables[table_name], {c for c, _step, _mod in refs}
        written = [c for c in columns if c not in referring]
        processes = tuple((i, process) for i, c in enumerate(written)
                          if (process := table.c[c].type.dialect_impl(dialect).bind_processor(dialect)) is not None)
        bound.append((_getter(written), processes))
    return sql, names, bound


def _getter(columns: list[str]) -> Callable[[dict], tuple]:
    """A row's values of `columns`, in order, as a tuple (itemgetter gives a bare value for one column)."""
    if not columns:
        return lambda _row: ()
    if len(columns) == 1:
        column = columns[0]
        return lambda row: (row[column],)
    return itemgetter(*columns)


def _cte_sql(shape: tuple) -> tuple[str, list[str]]:
    ctes: list[str] = []
    names: list[str] = []
    results: list[str] = []
    cte_of: dict[str, str] = {}
    n = 0
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

    kind = column.type.impl_instance if isinstance(column.type, TypeDecorator) else column.type
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


__all__ = ["Batch", "PlanError", "Ref", "Step", "checked"]
