"""`/api/v1/me/...`: the signed-in citizen's data, its erasure, and who read their identity."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import Response

from phananh.api.deps import CurrentPrincipal, Engine, Now
from phananh.api.openapi import error_responses
from phananh.db import reading
from phananh.errors import ApiError
from phananh.privacy import service

router = APIRouter(tags=["privacy"])
DOWNLOAD_NAME = "phananh-du-lieu-cua-toi.json"


@router.get("/me/data")
async def my_data(engine: Engine, principal: CurrentPrincipal, now: Now):
    """Everything held about me, as a JSON file: account, reports (with their public history), consents,
    notifications, media links and the reads of my identity (Law 91/2025/QH15)."""
    p = service.citizen_only(principal)
    async with reading(engine) as conn:
        data = await service.my_data(conn, p, now=now)
    body = json.dumps(data, ensure_ascii=False, indent=2, default=lambda v: v.isoformat())
    return Response(body, media_type="application/json; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{DOWNLOAD_NAME}"',
                             "Cache-Control": "no-store"})


@router.get("/me/identity-reads")
async def my_identity_reads(engine: Engine, principal: CurrentPrincipal):
    """Who read my identity: when, the agency and role, why, on which report — never the staff member's name."""
    p = service.citizen_only(principal)
    async with reading(engine) as conn:
        items = await service.identity_reads_of(conn, p)
    return {"items": items, "total": len(items)}


_ERASE_DOC = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "properties": {"confirm": {"type": "boolean", "enum": [True]}}, "required": ["confirm"]}}}}}


@router.post("/me/erase", openapi_extra=_ERASE_DOC, responses=error_responses(409, 422))
async def erase_me(request: Request, engine: Engine, principal: CurrentPrincipal, now: Now):
    """Withdraw consent and erase my identity: `{"confirm": true}`. My reports stay (a public-interest record)
    under a tombstone; notifications to me stop; my account is closed and this sign-in ends."""
    p = service.citizen_only(principal)
    try:
        body = json.loads(await request.body() or b"null")
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "malformed_json", "The request body is not valid JSON.")
    if not isinstance(body, dict) or body.get("confirm") is not True:
        raise ApiError(422, "confirmation_required",
                       "Confirm the erasure with \"confirm\": true; it cannot be undone.",
                       details={"field": "confirm"})
    async with engine.begin() as conn:
        erased = await service.erase_my_identity(conn, p, now=now)
    return {"erased_reports": erased.reports, "canceled_notifications": erased.canceled_notifications,
            "account": "closed"}
