"""Reading service requests and their updates for Open311: public reports only, public fields only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from phananh.directory import service as directory
from phananh.open311 import present
from phananh.open311.tables import open311_requests
from phananh.reports.codes import id_from_code, parse_id, report_code, token_candidates
from phananh.reports.queries import events_with_actor
from phananh.reports.tables import events, media, reports
from phananh.reports.visibility import RESULT_PUBLIC_STATES, public_clause
from phananh.sla import service as sla

WINDOW = timedelta(days=90)  # the spec's default and largest date range
MAX_ROWS = 1000  # the spec's default limit; also the largest page_size


@dataclass
class RequestFilter:
    ids: list[int] | None = None  # when given, overrides every other filter (the spec says so)
    service_codes: list[str] = field(default_factory=list)
    statuses: set[str] = field(default_factory=set)  # open / closed
    start: datetime | None = None
    end: datetime | None = None
    updated_after: datetime | None = None
    updated_before: datetime | None = None
    page: int = 1
    page_size: int = MAX_ROWS


def parse_request_id(ref: str) -> int | None:
    """A service_request_id: our code (PA-2026-000123) or the bare number."""
    return parse_id(ref) or id_from_code(ref)


_columns = (reports, open311_requests.c.media_url.label("partner_media_url"))
_from = reports.outerjoin(open311_requests, open311_requests.c.report_id == reports.c.id)
# Listed: every report the reporter did not keep private (before review, only its code, status and times).
_listed = reports.c.visibility == "public"


async def list_requests(conn: AsyncConnection, f: RequestFilter, *, now: datetime, base_url: str, lang: str,
                        extensions: bool) -> list[dict]:
    d = await directory.load(conn)
    conds = [_listed]
    if f.ids is not None:
        conds.append(reports.c.id.in_(f.ids))
    else:
        if f.service_codes:
            ids = [d.categories[c]["id"] for c in f.service_codes if c in d.categories]
            conds.append(reports.c.category_id.in_(ids))
        if f.statuses:
            conds.append(reports.c.status.in_([s for s, o in present.OPEN311_STATUS.items() if o in f.statuses]))
        if f.start:
            conds.append(reports.c.created_at >= f.start)
        if f.end:
            conds.append(reports.c.created_at <= f.end)
        if f.updated_after:
            conds.append(reports.c.updated_at >= f.updated_after)
        if f.updated_before:
            conds.append(reports.c.updated_at <= f.updated_before)
    rows = (await conn.execute(
        select(*_columns).select_from(_from).where(and_(*conds))
        .order_by(reports.c.created_at.desc(), reports.c.id.desc())
        .limit(f.page_size).offset((f.page - 1) * f.page_size)
    )).mappings().all()
    return await _present(conn, [dict(r) for r in rows], d=d, now=now, base_url=base_url, lang=lang,
                          extensions=extensions)


async def _present(conn, rows: list[dict], *, d, now, base_url, lang, extensions) -> list[dict]:
    ids = [r["id"] for r in rows]
    deadlines = await sla.running_deadlines(conn, ids, now)
    photos = await _photo_urls(conn, [r["id"] for r in rows if r["public_since"] is not None], base_url)
    codes = await codes_of(conn, {r["merged_into_id"] for r in rows if r["merged_into_id"]})
    notes: dict[int, list[dict]] = {}
    public_ids = [r["id"] for r in rows if r["public_since"] is not None]
    if extensions and public_ids:
        evs = (await conn.execute(events_with_actor.where(events.c.report_id.in_(public_ids))
                                  .order_by(events.c.id))).mappings()
        timeline = present.public_events([dict(e) for e in evs], d)
        codes |= await codes_of(conn, {e["payload"]["into"] for e in timeline if e["action"] == "merge"
                                       and isinstance(e["payload"].get("into"), int)})
        for e in timeline:
            notes.setdefault(e["report_id"], []).append(present.note_view(e, d, codes))
    return [
        present.request_view(r, d=d, lang=lang, deadlines=deadlines.get(r["id"], []),
                             photos=[u for p, u in photos.get(r["id"], [])
                                     if p == "report" or r["status"] in RESULT_PUBLIC_STATES], codes=codes,
                             notes=notes.get(r["id"], []) if extensions else None)
        for r in rows
    ]


async def codes_of(conn: AsyncConnection, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await conn.execute(select(reports.c.id, reports.c.created_at).where(reports.c.id.in_(ids)))
    return {i: report_code(i, at) for i, at in rows}


async def _photo_urls(conn, ids: list[int], base_url: str) -> dict[int, list[tuple[str, str]]]:
    """(purpose, absolute URL) of each report's photos, the reporter's first; served by /api/v1/media."""
    if not ids:
        return {}
    rows = await conn.execute(
        select(media.c.id, media.c.report_id, media.c.purpose)
        .where(media.c.report_id.in_(ids), media.c.kind == "photo").order_by(media.c.purpose != "report", media.c.id)
    )
    out: dict[int, list[tuple[str, str]]] = {}
    for media_id, report_id, purpose in rows:
        out.setdefault(report_id, []).append((purpose, f"{base_url}/api/v1/media/{media_id}"))
    return out


async def list_updates(conn: AsyncConnection, *, start: datetime, end: datetime, page: int, page_size: int,
                       base_url: str) -> list[dict]:
    """Public state changes and public texts of public reports, oldest first (FixMyStreet's servicerequestupdates)."""
    d = await directory.load(conn)
    rows = (await conn.execute(
        events_with_actor.join(reports, reports.c.id == events.c.report_id)
        .where(public_clause(), events.c.at >= start, events.c.at <= end, events.c.public.is_(True),
               events.c.action.not_in(present.NOT_UPDATES))
        .order_by(events.c.at, events.c.id).limit(page_size).offset((page - 1) * page_size)
    )).mappings().all()
    timeline = present.public_events([dict(e) for e in rows], d)
    report_ids = {e["report_id"] for e in timeline}
    report_codes = await codes_of(conn, report_ids)
    codes = report_codes | await codes_of(conn, {e["payload"]["into"] for e in timeline if e["action"] == "merge"
                                                 and isinstance(e["payload"].get("into"), int)})
    photos = await _photo_urls(conn, sorted({e["report_id"] for e in timeline if e["action"] == "publish"}), base_url)
    return [
        present.update_view(e, d=d, codes=codes, report_codes=report_codes,
                            photos=[u for p, u in photos.get(e["report_id"], []) if p == "result"]
                            if e["action"] == "publish" else [])
        for e in timeline
    ]


async def request_id_for_token(conn: AsyncConnection, token: str) -> str | None:
    """The service_request_id for a tracking token (given to reporters by our own apps)."""
    candidates = token_candidates(token)  # any case, with or without dashes (issue 14); old tokens as they are
    if not candidates:
        return None
    row = (await conn.execute(
        select(reports.c.id, reports.c.created_at).where(reports.c.tracking_token.in_(candidates))
    )).first()
    return report_code(row.id, row.created_at) if row else None
