"""Reading reports: one report, lists with filters and paging, events, tracking — always scoped to the viewer."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from phananh.auth.principal import ANONYMOUS, Principal
from phananh.auth.tables import users
from phananh.directory import service as directory
from phananh.domain_errors import InvalidInput
from phananh.errors import not_found
from phananh.reports import search
from phananh.reports.codes import id_from_code, parse_id, token_candidates
from phananh.reports.present import event_view, media_view, report_view
from phananh.reports.scope import may_see_identity, visible_clause
from phananh.reports.tables import events, identity_reads, media, media_derivatives, reports
from phananh.sla import service as sla
from phananh.sla.tables import sla_clocks
from phananh.workflow import Role, Status

MAX_PAGE_SIZE = 100
SEARCH_COUNT_CAP = 1000  # a text search (`q`) counts its matches up to this many
SORTS = {"created_at", "-created_at", "deadline", "queue", "updated_at", "-updated_at"}

_handler = users.alias("handler")
_report_cols = (reports, _handler.c.username.label("handler_username"))
_report_from = reports.outerjoin(_handler, _handler.c.id == reports.c.handler_id)


@dataclass
class ReportFilter:
    status: list[str] | None = None
    category: str | None = None
    agency: str | None = None
    area: str | None = None
    urgent: bool | None = None
    overdue: bool | None = None
    at_risk: bool | None = None
    q: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    sort: str = "-created_at"
    page: int = 1
    page_size: int = 20


async def _visibility(conn: AsyncConnection, viewer: Principal):
    d = await directory.load(conn)
    subtree = d.agency_subtree(viewer.agency_id) if viewer.role == Role.supervisor and viewer.agency_id else None
    return d, visible_clause(viewer, subtree)


async def get_report(
    conn: AsyncConnection, report_id: int, viewer: Principal, *, now: datetime, log_identity: bool = True
) -> dict:
    d, clause = await _visibility(conn, viewer)
    row = (
        await conn.execute(select(*_report_cols).select_from(_report_from).where(reports.c.id == report_id, clause))
    ).mappings().first()
    if row is None:
        raise not_found()
    return (await _present(conn, [dict(row)], viewer, d, now, via="report", log_identity=log_identity))[0]


async def resolve_report_ref(conn: AsyncConnection, ref: str) -> int:
    """A report path parameter: its numeric id or its human code."""
    report_id = parse_id(ref) or id_from_code(ref)
    if report_id is None:
        raise not_found()
    return report_id


async def _present(conn, rows: list[dict], viewer: Principal, d, now: datetime, *, via: str,
                   log_identity: bool = True, reporter: bool = False) -> list[dict]:
    ids = [r["id"] for r in rows]
    deadlines = await sla.running_deadlines(conn, ids, now)
    media_rows = (
        await conn.execute(
            select(media, media_derivatives.c.status.label("derivative_status"))
            .select_from(media.outerjoin(media_derivatives, media_derivatives.c.media_id == media.c.id))
            .where(media.c.report_id.in_(ids)).order_by(media.c.id))
    ).mappings().all() if ids else []
    by_report: dict[int, list[dict]] = {}
    for m in media_rows:
        by_report.setdefault(m["report_id"], []).append({**media_view(m), "purpose": m["purpose"]})
    out = [
        report_view(r, d=d, viewer=viewer, deadlines=deadlines.get(r["id"], []), media=by_report.get(r["id"], []),
                    now=now, reporter=reporter)
        for r in rows
    ]
    if log_identity and viewer.is_staff:
        # Every read of a reporter's identity by staff is kept (ARCHITECTURE §5).
        seen = [r["id"] for r in rows if may_see_identity(viewer, r) and not r["anonymous"]]
        if seen:
            await conn.execute(insert(identity_reads), [
                {"report_id": rid, "user_id": viewer.user_id, "at": now, "via": via} for rid in seen
            ])
    return out


async def list_reports(conn: AsyncConnection, viewer: Principal, f: ReportFilter, *, now: datetime) -> dict:
    d, where = await filter_clause(conn, viewer, f, now=now)
    if f.q and f.q.strip():
        # A common word matches a tenth of a million reports: counting them all would cost seconds, so a text
        # search counts up to SEARCH_COUNT_CAP and says when there are more (`total_capped`).
        first = select(reports.c.id).where(where).limit(SEARCH_COUNT_CAP + 1).subquery()
        total = (await conn.execute(select(func.count()).select_from(first))).scalar_one()
        page = await _list_page(conn, viewer, f, d, where, min(total, SEARCH_COUNT_CAP), now=now)
        if total > SEARCH_COUNT_CAP:
            page["total_capped"] = True
        return page
    total = (await conn.execute(select(func.count()).select_from(reports).where(where))).scalar_one()
    return await _list_page(conn, viewer, f, d, where, total, now=now)


async def filter_clause(conn: AsyncConnection, viewer: Principal, f: ReportFilter, *, now: datetime):
    """The directory and the WHERE clause of a list's filters within what `viewer` may see (lists, exports)."""
    d, clause = await _visibility(conn, viewer)
    conds = [clause]
    if f.status:
        unknown = [s for s in f.status if s not in Status.__members__]
        if unknown:
            raise InvalidInput("unknown_status", "Unknown status: {code}.", code=", ".join(unknown))
        conds.append(reports.c.status.in_(f.status))
    for value, table_map, column, err in (
        (f.category, d.categories, reports.c.category_id, "unknown_category"),
        (f.agency, d.agencies, reports.c.agency_id, "unknown_agency"),
        (f.area, d.areas, reports.c.area_id, "unknown_area"),
    ):
        if value:
            item = table_map.get(value)
            if item is None:
                raise InvalidInput(err, "Unknown code: {code}.", code=value)
            conds.append(column == item["id"])
    if f.urgent is not None:
        conds.append(reports.c.urgent.is_(f.urgent))
    if f.overdue is not None:
        conds.append(reports.c.next_due_at < now if f.overdue else or_(reports.c.next_due_at.is_(None),
                                                                         reports.c.next_due_at >= now))
    if f.at_risk is not None:
        risky = select(sla_clocks.c.report_id).where(
            sla_clocks.c.stopped_at.is_(None), sla_clocks.c.at_risk_at < now, sla_clocks.c.due_at >= now
        )
        conds.append(reports.c.id.in_(risky) if f.at_risk else reports.c.id.not_in(risky))
    if f.q and f.q.strip():
        # Whatever the case and the diacritics (reports/search.py); the public searches the public view only.
        column = reports.c.search_text if viewer.is_staff or viewer.role == Role.citizen \
            else reports.c.public_search_text
        pattern = search.like_pattern(f.q)
        code_id = id_from_code(f.q)
        text_match = column.like(pattern, escape="\\") if pattern else false()
        conds.append(or_(text_match, reports.c.id == code_id) if code_id else text_match)
    if f.date_from:
        conds.append(reports.c.created_at >= f.date_from)
    if f.date_to:
        conds.append(reports.c.created_at < f.date_to)
    return d, and_(*conds)


async def _list_page(conn: AsyncConnection, viewer: Principal, f: ReportFilter, d, where, total: int, *,
                     now: datetime) -> dict:
    orders: dict[str, list[ColumnElement[Any]]] = {
        "created_at": [reports.c.created_at.asc(), reports.c.id.asc()],
        "-created_at": [reports.c.created_at.desc(), reports.c.id.desc()],
        "updated_at": [reports.c.updated_at.asc(), reports.c.id.asc()],
        "-updated_at": [reports.c.updated_at.desc(), reports.c.id.desc()],
        "deadline": [reports.c.next_due_at.is_(None), reports.c.next_due_at.asc(), reports.c.id.asc()],
        "queue": [reports.c.urgent.desc(), reports.c.next_due_at.is_(None), reports.c.next_due_at.asc(),
                  reports.c.id.asc()],
    }
    order = orders[f.sort]
    rows = (
        await conn.execute(
            select(*_report_cols).select_from(_report_from).where(where).order_by(*order)
            .limit(f.page_size).offset((f.page - 1) * f.page_size)
        )
    ).mappings().all()
    items = await _present(conn, [dict(r) for r in rows], viewer, d, now, via="list")
    return {"items": items, "total": total, "page": f.page, "page_size": f.page_size}


async def list_events(conn: AsyncConnection, report_id: int, viewer: Principal, *, page: int = 1,
                      page_size: int = 100) -> dict:
    d, clause = await _visibility(conn, viewer)
    exists_ = (await conn.execute(select(reports.c.id).where(reports.c.id == report_id, clause))).first()
    if exists_ is None:
        raise not_found()
    return await _events_page(conn, report_id, d, public=not viewer.is_staff, reporter=viewer.role == Role.citizen,
                              page=page, page_size=page_size)


_actor = users.alias("actor")
# Each event with its actor's agency: the public and the reporter see an agency name where staff see a username.
events_with_actor = select(events, _actor.c.agency_id.label("actor_agency_id")).select_from(
    events.outerjoin(_actor, _actor.c.id == events.c.actor_user_id))


async def _events_page(conn, report_id: int, d, *, public: bool, reporter: bool = False, page: int = 1,
                       page_size: int = 100) -> dict:
    rows = (
        await conn.execute(events_with_actor.where(events.c.report_id == report_id).order_by(events.c.id))
    ).mappings().all()
    shown = [v for v in (event_view(dict(e), public=public, d=d, reporter=reporter) for e in rows) if v is not None]
    start = (page - 1) * page_size
    return {"items": shown[start:start + page_size], "total": len(shown), "page": page, "page_size": page_size}


async def track(conn: AsyncConnection, token: str, *, now: datetime) -> dict:
    """The reporter's view of a report, by its tracking code (any case, with or without dashes; old tokens too)."""
    candidates = token_candidates(token)
    row = (
        await conn.execute(select(*_report_cols).select_from(_report_from)
                           .where(reports.c.tracking_token.in_(candidates)))
    ).mappings().first() if candidates else None
    if row is None:
        raise not_found()
    return await _reporter_view(conn, dict(row), now=now)


async def _reporter_view(conn: AsyncConnection, row: dict, *, now: datetime) -> dict:
    d = await directory.load(conn)
    view = (await _present(conn, [dict(row)], ANONYMOUS, d, now, via="track", log_identity=False, reporter=True))[0]
    view["events"] = (await _events_page(conn, row["id"], d, public=True, reporter=True, page_size=1000))["items"]
    return view


async def media_for(conn: AsyncConnection, media_id: int, viewer: Principal, *, tracking_token: str | None,
                    now: datetime) -> dict:
    row = (await conn.execute(select(media).where(media.c.id == media_id))).mappings().first()
    if row is None:
        raise not_found("media")
    candidates = token_candidates(tracking_token)
    if candidates:
        owner = (await conn.execute(select(reports.c.id).where(reports.c.id == row["report_id"],
                                                               reports.c.tracking_token.in_(candidates)))).first()
        if owner:
            return dict(row)
    report = await get_report(conn, row["report_id"], viewer, now=now, log_identity=False)
    if row["id"] not in {m["id"] for m in report["media"]}:
        raise not_found("media")
    return dict(row)


_NO_PHONE = b"\x00\x00\x00\x00"  # compared against when there is no phone, so every miss does the same work


def phone_last4(phone: str | None) -> bytes:
    """The last four digits of a phone number as given ('+84 912 345 678' → b'5678'), else a value no input equals."""
    digits = "".join(ch for ch in phone or "" if ch.isascii() and ch.isdigit())
    return digits[-4:].encode() if len(digits) >= 4 else _NO_PHONE


async def track_by_phone(conn: AsyncConnection, code: str, last4: str, *, now: datetime) -> dict:
    """The reporter's view by the public code (PA-2026-000123, or its number) and the last 4 digits of the phone
    given with the report. An unknown or malformed code, an anonymous report and a wrong pair are one answer
    (404 not_found), reached through the same query and one constant-time comparison."""
    report_id = id_from_code(code) or parse_id(code) or 0
    row = (
        await conn.execute(select(*_report_cols).select_from(_report_from).where(reports.c.id == report_id))
    ).mappings().first()
    given = last4.strip().encode() if last4.strip().isascii() else b"?"
    stored = phone_last4(row["reporter_phone"] if row is not None and not row["anonymous"] else None)
    if not secrets.compare_digest(given, stored) or row is None:
        raise not_found()
    view = await _reporter_view(conn, dict(row), now=now)
    view.pop("tracking_token", None)  # the pair shows the report; it does not hand out the code that acts on it
    return view
