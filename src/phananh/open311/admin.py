"""JSON admin API for partner API keys: /api/v1/admin/api-keys (role admin). The HTML admin pages call it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, StringConstraints

from phananh.api.deps import Engine, Now, require_roles
from phananh.api.ids import SmallId
from phananh.auth.principal import Principal
from phananh.open311 import keys
from phananh.workflow import Role

router = APIRouter(prefix="/api/v1/admin/api-keys", tags=["admin"])
Admin = Annotated[Principal, Depends(require_roles(Role.admin))]


class KeyCreate(BaseModel):
    partner: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


@router.get("")
async def list_api_keys(engine: Engine, _admin: Admin):
    """Every key ever issued (revoked ones too: nothing is deleted), with its partner and use."""
    async with engine.connect() as conn:
        items = await keys.list_keys(conn)
    return {"items": items, "total": len(items), "page": 1, "page_size": max(len(items), 1)}


@router.post("", status_code=201)
async def create_api_key(body: KeyCreate, engine: Engine, admin: Admin, now: Now):
    """Issue a key to a partner. The answer carries the key itself (`key`): the only time it is shown."""
    async with engine.begin() as conn:
        view, key = await keys.create_key(conn, partner=body.partner, note=body.note, created_by=admin.username,
                                          now=now)
    return {**view, "key": key}


@router.post("/{key_id}/revoke")
async def revoke_api_key(key_id: SmallId, engine: Engine, _admin: Admin, now: Now):
    """Revoke a key: its partner's requests are refused from now on; the key stays listed."""
    async with engine.begin() as conn:
        return await keys.revoke_key(conn, key_id=key_id, now=now)
