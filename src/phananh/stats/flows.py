"""Incremental statistics: the counter cells an event changes, upserted in the event's transaction.

A stage of the event pipeline (reports/pipeline.py), after SLA: the outcome of each stage clock the event stops
is SLA's (`SlaResult.judged`), counted here, never computed here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from phananh.batch import Batch, Ref, Step
from phananh.reports.tables import events
from phananh.sla.service import SlaResult, clock_rule
from phananh.sla.tables import sla_clocks
from phananh.stats.facts import (
    CONTACT,
    duration_seconds,
    rating_cell,
    rating_marginals,
    report_cell,
    report_facts,
    report_marginals,
    stage_cell,
    stage_marginals,
)
from phananh.stats.tables import (
    SHARDS,
    stats_daily,
    stats_ratings,
    stats_report_facts,
    stats_reports,
    stats_stage_daily,
    stats_stages,
)

_REPORT_KEY = ("day", "category_id", "area_id", "agency_id", "status", "urgent", "contacted")
_RATING_KEY = ("day", "category_id", "area_id", "agency_id", "score")
_STAGE_KEY = ("day", "stage", "agency_id", "category_id", "area_id", "outcome", "bucket")
_DAILY_KEY = ("day", "dim", "key")
_STAGE_DAILY_KEY = ("day", "stage", "dim", "key")


async def on_event(conn: AsyncConnection, *, event: dict, report: dict, sla: SlaResult) -> None:
    """`sla`: SLA's decision on this event (the pipeline's first stage), whose stage outcomes are counted."""
    before = None
    if event["action"] != "submit":
        row = (await conn.execute(select(stats_report_facts).where(
            stats_report_facts.c.report_id == report["id"]))).mappings().first()
        before = dict(row) if row else None
    stopped = _judged_cells(event, report_facts(report), sla)
    moved = await _restaged(conn, report, before["category_id"]) \
        if before is not None and before["category_id"] != report["category_id"] else []
    await Batch(writes(event=event, report=report, before=before, stopped=stopped, shard=report["id"] % SHARDS,
                       report_id=report["id"], moved=moved)).run(conn)


def new_report_writes(*, event: dict, report: dict, report_id: Ref) -> list[Step]:
    """The counter writes of a submit, planned without reading anything (the report is in no cell yet): they
    go out in the same statement as the report (`reports.pipeline.plan_submit`)."""
    shard = Ref(report_id.step, mod=SHARDS)
    if event["action"] == "log_contact":  # a contact counted at once: the general path
        return writes(event=event, report=report, before=None, stopped=[], shard=shard, report_id=report_id)
    # What `writes` gives for a report in no cell yet and no stopped clock (tests/stats hold them equal), without
    # its deltas of cells left and stages moved: one cell of each table, each +1.
    after = report_facts(report)
    cell = report_cell(after)
    steps: list[Step | None] = [_add(stats_reports, _REPORT_KEY, {cell: (1, None)}, shard)]
    daily: dict[tuple, tuple[int, int | None]] = {}
    marginals = report_marginals(cell)
    if rated := rating_cell(after):
        steps.append(_add(stats_ratings, _RATING_KEY, {rated: (1, None)}, shard))
        marginals += rating_marginals(rated)
    for row in marginals:
        daily[row] = (daily[row][0] + 1, None) if row in daily else (1, None)
    steps.append(_add(stats_daily, _DAILY_KEY, daily, shard))
    steps.append(Step(stats_report_facts, [{"report_id": report_id, **{c: after[c] for c in _FACT_COLUMNS}}],
                      mode="replace", conflict=("report_id",)))
    return [s for s in steps if s is not None]


def writes(*, event: dict, report: dict, before: dict | None, stopped: list[tuple[tuple, int]],
           shard: int | Ref, report_id: int | Ref, moved: Sequence[tuple[tuple, int, int]] = ()) -> list[Step]:
    """The cells `event` moves the report between, as upserts: `before` is where the report was counted
    (None for a new report), `stopped` the stage clocks the event stops (`_judged_cells`), `moved` the
    (cell, n, seconds) changes of stage outcomes counted before (`_restaged`)."""
    after = report_facts(report)
    report_deltas: Counter[tuple] = Counter()
    rating_deltas: Counter[tuple] = Counter()
    if before is not None:
        report_deltas[report_cell(before)] -= 1
        if rated := rating_cell(before):
            rating_deltas[rated] -= 1
    report_deltas[report_cell(after)] += 1
    if rated := rating_cell(after):
        rating_deltas[rated] += 1

    stage_rows = list(stopped)
    if event["action"] == "log_contact" and after["contacted"] and not (before and before["contacted"]):
        since = report.get("assigned_at") or report["created_at"]
        seconds = duration_seconds(since, event["at"])
        stage_rows.append((stage_cell(stopped_at=event["at"], stage=CONTACT, agency_id=report.get("agency_id"),
                                      facts=after, outcome="done", seconds=seconds), seconds))

    daily: Counter[tuple] = Counter()
    for cell, delta in report_deltas.items():
        for row in report_marginals(cell):
            daily[row] += delta
    for cell, delta in rating_deltas.items():
        for row in rating_marginals(cell):
            daily[row] += delta
    stage_deltas: dict[tuple, tuple[int, int]] = {}
    stage_daily: dict[tuple, tuple[int, int]] = {}
    for cell, count, seconds in [(cell, 1, seconds) for cell, seconds in stage_rows] + list(moved):
        for target, key in ((stage_deltas, cell), *((stage_daily, m) for m in stage_marginals(cell))):
            n, total = target.get(key, (0, 0))
            target[key] = (n + count, total + seconds)
    # A move between categories leaves the category-free marginals where they were.
    stage_deltas = {k: v for k, v in stage_deltas.items() if v != (0, 0)}
    stage_daily = {k: v for k, v in stage_daily.items() if v != (0, 0)}
    steps = [
        _add(stats_reports, _REPORT_KEY, {k: (v, None) for k, v in report_deltas.items() if v}, shard),
        _add(stats_ratings, _RATING_KEY, {k: (v, None) for k, v in rating_deltas.items() if v}, shard),
        _add(stats_daily, _DAILY_KEY, {k: (v, None) for k, v in daily.items() if v}, shard),
        _add(stats_stages, _STAGE_KEY, stage_deltas, shard),
        _add(stats_stage_daily, _STAGE_DAILY_KEY, stage_daily, shard),
        Step(stats_report_facts, [{"report_id": report_id, **{c: after[c] for c in _FACT_COLUMNS}}], mode="replace",
             conflict=("report_id",)),
    ]
    return [s for s in steps if s is not None]


def _judged_cells(event: dict, facts: dict, sla: SlaResult) -> list[tuple[tuple, int]]:
    """(cell, seconds) of each stage clock this event stops with a verdict, the verdict being SLA's."""
    at = event["at"]
    out = []
    for stopped in sla.judged:
        seconds = duration_seconds(stopped.started_at, at)
        out.append((stage_cell(stopped_at=at, stage=stopped.stage, agency_id=event.get("agency_id"), facts=facts,
                               outcome=stopped.outcome, seconds=seconds), seconds))
    return out


async def _restaged(conn: AsyncConnection, report: dict, old_category: int) -> list[tuple[tuple, int, int]]:
    """A reclassified report was filed under the wrong category: the stage outcomes already counted for it move
    from the old category's cells to the new one's, as a recount from its rows would place them (stats.rebuild).
    The agency of each outcome is the one of the event that stopped it, as when it was counted."""
    clocks = (await conn.execute(
        select(sla_clocks.c.stage, sla_clocks.c.started_at, sla_clocks.c.stopped_at, sla_clocks.c.outcome).where(
            sla_clocks.c.report_id == report["id"], sla_clocks.c.outcome.in_(("on_time", "late"))))).all()
    history = (await conn.execute(
        select(events.c.action, events.c.agency_id, events.c.at).where(events.c.report_id == report["id"])
        .order_by(events.c.id))).all()
    old, new = {**report_facts(report), "category_id": old_category}, report_facts(report)
    past: list[tuple[datetime, str, int | None, str, int]] = []  # (stopped_at, stage, agency, outcome, seconds)
    for stage, started_at, stopped_at, outcome in clocks:
        stopper = next((e for e in history if e.at == stopped_at
                        and stage in clock_rule(e.action)[0]), None)
        past.append((stopped_at, stage, stopper.agency_id if stopper else None, outcome,
                     duration_seconds(started_at, stopped_at)))
    agency = assigned_at = None
    for e in history:  # the first contact with the agency leader, timed as `writes` timed it
        if e.action == "assign":
            agency, assigned_at = e.agency_id, e.at
        elif e.action == "return":
            agency = None
        elif e.action == "log_contact":
            past.append((e.at, CONTACT, agency, "done", duration_seconds(assigned_at or report["created_at"], e.at)))
            break
    out = []
    for at, stage, agency_id, outcome, seconds in past:
        for facts, sign in ((old, -1), (new, 1)):
            out.append((stage_cell(stopped_at=at, stage=stage, agency_id=agency_id, facts=facts, outcome=outcome,
                                   seconds=seconds), sign, sign * seconds))
    return out


def _add(table, key: tuple[str, ...], deltas: Mapping[tuple, tuple[int, int | None]], shard: int | Ref) -> Step | None:
    """Add `n` (and `seconds`) to each cell of `shard`; sorted, so that concurrent transactions lock cells in one order."""
    if not deltas:
        return None
    with_seconds = "seconds" in table.c
    rows = []
    for cell in sorted(deltas, key=repr) if len(deltas) > 1 else deltas:
        n, seconds = deltas[cell]
        row = dict(zip(key, cell), shard=shard, n=n)
        if with_seconds:
            row["seconds"] = seconds or 0
        rows.append(row)
    return Step(table, rows, mode="add", conflict=(*key, "shard"), sums=("n", "seconds") if with_seconds else ("n",))


_FACT_COLUMNS = tuple(c.name for c in stats_report_facts.c if c.name != "report_id")
