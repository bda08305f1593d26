"""In-app notifications of the signed-in user."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func, select, update

from phananh.api.deps import CurrentPrincipal, Engine, Now
from phananh.api.ids import BigId
from phananh.errors import ApiError, not_found
from phananh.notifications.tables import notifications
from phananh.reports.codes import report_code
from phananh.reports.tables import reports

router = APIRouter(tags=["notifications"])
_n = notifications.c


def _user_id(principal) -> int:
    if principal.user_id is None:
        raise ApiError(401, "unauthorized", "Sign in to do this.", headers={"WWW-Authenticate": "Bearer"})
    return principal.user_id


def _mine(user_id: int):
    return (_n.recipient_user_id == user_id, _n.channel == "in_app")


def _view(row) -> dict:
    return {
        "id": row.id, "kind": row.kind, "subject": row.subject, "body": row.body, "report_id": row.report_id,
        "report_code": report_code(row.report_id, row.report_created_at) if row.report_id else None,
        "created_at": row.created_at, "read_at": row.read_at,
    }


_columns = (_n.id, _n.kind, _n.subject, _n.body, _n.report_id, _n.created_at, _n.read_at,
            reports.c.created_at.label("report_created_at"))
_from = notifications.outerjoin(reports, reports.c.id == _n.report_id)


@router.get("/notifications")
async def list_notifications(
    engine: Engine, principal: CurrentPrincipal,
    unread: bool = False,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
):
    """My in-app notifications, newest first; `unread_count` counts all unread ones."""
    mine = _mine(_user_id(principal))
    shown = (*mine, _n.read_at.is_(None)) if unread else mine
    async with engine.connect() as conn:
        total = (await conn.execute(select(func.count()).select_from(notifications).where(*shown))).scalar_one()
        unread_count = (await conn.execute(select(func.count()).select_from(notifications)
                                           .where(*mine, _n.read_at.is_(None)))).scalar_one()
        rows = (await conn.execute(select(*_columns).select_from(_from).where(*shown).order_by(_n.id.desc())
                                   .limit(page_size).offset((page - 1) * page_size))).all()
    return {"items": [_view(r) for r in rows], "total": total, "page": page, "page_size": page_size,
            "unread_count": unread_count}


@router.post("/notifications/{notification_id}/read")
async def mark_read(notification_id: BigId, engine: Engine, principal: CurrentPrincipal, now: Now):
    """Mark one of my notifications read (the first reading time is kept)."""
    mine = _mine(_user_id(principal))
    if notification_id > 2**62:
        raise not_found("notification")
    async with engine.begin() as conn:
        await conn.execute(update(notifications).where(_n.id == notification_id, *mine, _n.read_at.is_(None))
                           .values(read_at=now))
        row = (await conn.execute(select(*_columns).select_from(_from).where(_n.id == notification_id, *mine))).first()
    if row is None:
        raise not_found("notification")
    return _view(row)


@router.post("/notifications/read-all")
async def mark_all_read(engine: Engine, principal: CurrentPrincipal, now: Now):
    """Mark all my notifications read."""
    mine = _mine(_user_id(principal))
    async with engine.begin() as conn:
        result = await conn.execute(update(notifications).where(*mine, _n.read_at.is_(None)).values(read_at=now))
    return {"marked": result.rowcount}
