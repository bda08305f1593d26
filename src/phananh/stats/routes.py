"""REST routes for statistics: the overview (scoped), the public subset, map points and the live stream."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import select

from phananh import live
from phananh.api.deps import CurrentPrincipal, Engine, Now
from phananh.auth.principal import Principal
from phananh.directory import service as directory
from phananh.errors import ApiError
from phananh.live.hub import live_state
from phananh.reports import visibility
from phananh.reports.tables import reports
from phananh.stats import queries
from phananh.stats.scope import STAFF_VIEWERS, Scope, build_query, scope_of
from phananh.stats.tables import NONE

router = APIRouter(prefix="/stats", tags=["statistics"])
Granularity = Annotated[str | None, Query(pattern="^(day|week|month)$")]
MAP_POINTS = 5000


def staff_scope(principal: Principal, d) -> Scope:
    if principal.role not in STAFF_VIEWERS and principal.role.value != "anonymous":
        raise ApiError(403, "forbidden", "Your role may not do this.")
    return scope_of(principal, d)


@router.get("/overview")
async def overview(
    engine: Engine, principal: CurrentPrincipal, now: Now,
    from_: Annotated[date | None, Query(alias="from", description="first local date (inclusive)")] = None,
    to: Annotated[date | None, Query(description="last local date (inclusive); default today")] = None,
    category: str | None = None, area: str | None = None, agency: str | None = None,
    granularity: Granularity = None,
):
    """The viewer's figures for a period (default: the last 30 days), from the incremental counters."""
    async with engine.connect() as conn:
        d = await directory.load(conn)
        scope = staff_scope(principal, d)
        q = build_query(d, scope, now=now, date_from=from_, date_to=to, category=category, area=area, agency=agency)
        out = await queries.overview(conn, q, d=d, now=now, granularity=granularity)
    out["scope"] = {"kind": scope.kind, "name": scope.label}
    return out


@router.get("/public")
async def public_overview(
    engine: Engine, now: Now,
    from_: Annotated[date | None, Query(alias="from")] = None, to: date | None = None,
    category: str | None = None, area: str | None = None, granularity: Granularity = None,
):
    """The public subset: counts, on-time rates per stage, durations and satisfaction; no agency detail."""
    async with engine.connect() as conn:
        d = await directory.load(conn)
        q = build_query(d, Scope("province"), now=now, date_from=from_, date_to=to, category=category, area=area)
        out = await queries.overview(conn, q, d=d, now=now, granularity=granularity, public=True)
    out["scope"] = {"kind": "province", "name": "Toàn tỉnh"}
    return out


@router.get("/map")
async def map_points(
    engine: Engine, principal: CurrentPrincipal, now: Now,
    from_: Annotated[date | None, Query(alias="from")] = None, to: date | None = None,
    category: str | None = None, area: str | None = None, agency: str | None = None,
):
    """Positions of the newest reports of the viewer's scope and filters (at most 5,000), for the map."""
    async with engine.connect() as conn:
        d = await directory.load(conn)
        anonymous = principal.role.value == "anonymous"
        scope = Scope("province") if anonymous else staff_scope(principal, d)
        q = build_query(d, scope, now=now, date_from=from_, date_to=to, category=category, area=area,
                        agency=None if anonymous else agency)
        r = reports.c
        conds = [r.lat.is_not(None), *queries._report_filter(q),
                 r.created_at >= queries.local_midnight(q.day_from), r.created_at < queries.local_midnight(q.day_to, 1)]
        if anonymous:
            conds.append(visibility.public_clause())
        rows = (await conn.execute(
            select(r.id, r.lat, r.lon, r.status, r.urgent, r.next_due_at, r.category_id, r.area_id,
                   *(r[c] for c in visibility.PUBLIC_FIELDS)).where(*conds)
            .order_by(r.created_at.desc()).limit(MAP_POINTS))).mappings().all()
    items = []
    for x in rows:
        # The public gets reviewed reports only, at their public position (snapped for sensitive categories).
        location = visibility.public_view(x, d)["location"] if anonymous else {"lat": x["lat"], "lon": x["lon"]}
        if location is not None:
            items.append({"id": x["id"], **location, "status": x["status"], "urgent": x["urgent"],
                          "overdue": x["next_due_at"] is not None and x["next_due_at"] < now})
    return {"items": items}


def _in_scope(message: dict, scope: Scope) -> bool:
    if scope.agency_ids is not None:
        return bool(scope.agency_ids.intersection(message.get("agency_ids") or ()))
    if scope.area_id is not None:
        return (message.get("area_id") or NONE) == scope.area_id
    return True


def _sse(event: str, message: dict, *, event_id: str | None = None) -> str:
    data = json.dumps(message, ensure_ascii=False, default=str)
    return ("" if event_id is None else f"id: {event_id}\n") + f"event: {event}\ndata: {data}\n\n"


@router.get("/stream", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}, "description": "server-sent events"}})
async def stream(request: Request, engine: Engine, principal: CurrentPrincipal):
    """Server-sent events: one JSON object per committed action in the viewer's scope (`type`, `report_id`,
    `action`, `status`...), and a keep-alive comment every 15 s. EventSource reconnects by itself. An `event: live`
    says whether live updates flow: `{"type": "live", "state": "paused"}` while Redis is unreachable (sent at once
    to a stream opened meanwhile), `"on"` when they resume (refetch: events were missed)."""
    if principal.role not in STAFF_VIEWERS:
        if principal.role.value == "anonymous":
            raise ApiError(401, "unauthorized", "Sign in to do this.", headers={"WWW-Authenticate": "Bearer"})
        raise ApiError(403, "forbidden", "Your role may not do this.")
    async with engine.connect() as conn:
        scope = scope_of(principal, await directory.load(conn))
    hub = live.hub(request.app)
    keep_alive = request.app.state.settings.live_keepalive_seconds

    async def events():
        async with hub.subscribe() as queue:
            yield "retry: 1000\n: connected\n\n"
            if hub.paused:  # Redis unreachable: the stream answers now and says so (it resumes by itself)
                yield _sse("live", live_state(hub.state))
            while True:
                try:
                    message = await asyncio.wait_for(queue.get(), timeout=keep_alive)
                except TimeoutError:
                    if await request.is_disconnected():
                        return
                    yield ": keep-alive\n\n"
                    continue
                if message.get("type") == "live":
                    yield _sse("live", message)
                elif _in_scope(message, scope):
                    yield _sse("message", message, event_id=message.get("event_id") or "")

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
