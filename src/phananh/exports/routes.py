"""Export routes: reports (csv, xlsx, json; the report list's filters) and the statistics report (xlsx)."""

from __future__ import annotations

import os
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, Response, StreamingResponse
from starlette.background import BackgroundTask

from phananh.api.deps import CurrentPrincipal, Engine, Now
from phananh.directory import service as directory
from phananh.errors import ApiError
from phananh.exports import service
from phananh.exports.rows import with_identity
from phananh.exports.stats_report import workbook
from phananh.reports import queries as report_queries
from phananh.sla.calendar import TZ
from phananh.stats import queries as stats_queries
from phananh.stats.scope import STAFF_VIEWERS, build_query, scope_of

router = APIRouter(prefix="/exports", tags=["exports"])
MEDIA = {"csv": "text/csv; charset=utf-8", "json": "application/json",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _require_staff(principal) -> None:
    if principal.role.value == "anonymous":
        raise ApiError(401, "unauthorized", "Sign in to do this.", headers={"WWW-Authenticate": "Bearer"})
    if principal.role not in STAFF_VIEWERS:
        raise ApiError(403, "forbidden", "Your role may not do this.")


def _filename(prefix: str, ext: str, now: datetime) -> dict:
    name = f"{prefix}-{now.astimezone(TZ).strftime('%Y%m%d-%H%M')}.{ext}"
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@router.get("/reports", responses={200: {"content": {m: {} for m in MEDIA.values()}}})
async def export_reports(
    request: Request, engine: Engine, principal: CurrentPrincipal, now: Now,
    format: Annotated[str, Query(pattern="^(csv|xlsx|json)$")] = "csv",
    status: Annotated[str | None, Query(description="one status or a comma list")] = None,
    category: str | None = None, agency: str | None = None, area: str | None = None,
    urgent: bool | None = None, overdue: bool | None = None, at_risk: bool | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    from_: Annotated[datetime | None, Query(alias="from")] = None, to: datetime | None = None,
):
    """Every report the caller may see that matches the list's filters, oldest first, streamed.
    Reporter name, phone and email only for dispatchers and admins."""
    _require_staff(principal)
    for moment in (from_, to):
        if moment is not None and moment.tzinfo is None:
            raise ApiError(422, "naive_datetime", "Give dates with a time zone offset, e.g. 2026-12-01T00:00:00+07:00.")
    f = report_queries.ReportFilter(
        status=[s for s in status.split(",") if s] if status else None, category=category, agency=agency, area=area,
        urgent=urgent, overdue=overdue, at_risk=at_risk, q=q, date_from=from_, date_to=to)
    async with engine.connect() as conn:
        d, where = await report_queries.filter_clause(conn, principal, f, now=now)
    identity = with_identity(principal)
    filters = {k: v for k, v in request.query_params.items() if k != "format"}
    export_id = await service.record_start(engine, principal, kind="reports", fmt=format, filters=filters,
                                           identity=identity, now=now)
    args = dict(d=d, identity=identity, viewer=principal, export_id=export_id)
    headers = _filename("phan-anh", format, now)
    if format == "xlsx":
        path = await service.write_xlsx(engine, where, **args)
        return FileResponse(path, media_type=MEDIA["xlsx"], headers=headers, background=BackgroundTask(os.unlink, path))
    chunks = service.csv_chunks(engine, where, **args) if format == "csv" else service.json_chunks(engine, where, **args)
    return StreamingResponse(chunks, media_type=MEDIA[format], headers=headers)


@router.get("/stats.xlsx", responses={200: {"content": {MEDIA["xlsx"]: {}}}})
async def export_stats(
    request: Request, engine: Engine, principal: CurrentPrincipal, now: Now,
    from_: Annotated[date | None, Query(alias="from")] = None, to: date | None = None,
    category: str | None = None, area: str | None = None, agency: str | None = None,
):
    """The statistics report of a period (default: the last 30 days) in the caller's scope, as XLSX."""
    _require_staff(principal)
    async with engine.connect() as conn:
        d = await directory.load(conn)
        scope = scope_of(principal, d)
        sq = build_query(d, scope, now=now, date_from=from_, date_to=to, category=category, area=area, agency=agency)
        ov = await stats_queries.overview(conn, sq, d=d, now=now)
    ov["scope"] = {"kind": scope.kind, "name": scope.label}
    export_id = await service.record_start(engine, principal, kind="stats", fmt="xlsx",
                                           filters=dict(request.query_params), identity=False, now=now)
    body = workbook(ov, title=f"Thống kê phản ánh hiện trường {sq.day_from:%d/%m/%Y} – {sq.day_to:%d/%m/%Y}")
    await service.record_end(engine, export_id, len(ov["series"]))
    return Response(body, media_type=MEDIA["xlsx"], headers=_filename("thong-ke", "xlsx", now))
