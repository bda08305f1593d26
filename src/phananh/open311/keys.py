"""Partner API keys: issued by an admin, shown once, stored hashed, revocable; each names its partner."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from phananh.domain_errors import InvalidInput, NotFound
from phananh.open311.tables import api_keys, open311_requests
from phananh.provinces.schema import slug as slugify

KEY_PREFIX = "pa311_"
CHANNEL_PREFIX = "open311:"
SLUG_MAX = 24  # "open311:" + slug fits reports.channel (String(32))


def hash_key(key: str) -> str:
    return hashlib.sha256(key.strip().encode()).hexdigest()


def partner_slug(partner: str) -> str:
    slug = slugify(partner)[:SLUG_MAX].strip("-")
    if not slug:
        raise InvalidInput("invalid_partner", "The partner name needs at least one letter or digit.",
                           details={"field": "partner"})
    return slug


def channel_of(slug: str) -> str:
    return CHANNEL_PREFIX + slug


def key_view(row) -> dict:
    r = dict(row._mapping) if hasattr(row, "_mapping") else dict(row)
    return {
        "id": r["id"], "partner": r["partner"], "channel": channel_of(r["partner_slug"]), "prefix": r["prefix"],
        "note": r["note"], "created_at": r["created_at"], "created_by": r["created_by"],
        "last_used_at": r["last_used_at"], "revoked_at": r["revoked_at"], "active": r["revoked_at"] is None,
        "requests": r.get("requests", 0),
    }


async def create_key(conn: AsyncConnection, *, partner: str, note: str | None, created_by: str | None,
                     now: datetime) -> tuple[dict, str]:
    """A new key for `partner`; returns its view and the key itself, which is never stored nor shown again."""
    partner = " ".join(partner.split())
    if not partner or len(partner) > 200 or not partner.isprintable():
        raise InvalidInput("invalid_partner", "The partner name needs at least one letter or digit.",
                           details={"field": "partner"})
    if note and "\x00" in note:
        raise InvalidInput("validation_error", "Some fields are missing or invalid.", details={"field": "note"})
    slug = partner_slug(partner)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    values = dict(partner=partner, partner_slug=slug, prefix=key[:12], key_hash=hash_key(key), note=note,
                  created_at=now, created_by=created_by)
    key_id = (await conn.execute(insert(api_keys).values(**values).returning(api_keys.c.id))).scalar_one()
    return key_view({"id": key_id, "last_used_at": None, "revoked_at": None, **values}), key


async def list_keys(conn: AsyncConnection) -> list[dict]:
    used = (select(open311_requests.c.api_key_id, func.count().label("requests"))
            .group_by(open311_requests.c.api_key_id).subquery())
    rows = (await conn.execute(
        select(api_keys, func.coalesce(used.c.requests, 0).label("requests"))
        .select_from(api_keys.outerjoin(used, used.c.api_key_id == api_keys.c.id))
        .order_by(api_keys.c.id)
    )).mappings().all()
    return [key_view(r) for r in rows]


async def revoke_key(conn: AsyncConnection, *, key_id: int, now: datetime) -> dict:
    row = (await conn.execute(select(api_keys).where(api_keys.c.id == key_id))).mappings().first()
    if row is None:
        raise NotFound("not_found", "Not found: {what}", what="api key")
    if row["revoked_at"] is None:
        await conn.execute(update(api_keys).where(api_keys.c.id == key_id).values(revoked_at=now))
        return key_view({**row, "revoked_at": now})
    return key_view(row)


async def authenticate(conn: AsyncConnection, key: str | None) -> dict | None:
    """The active key row for a presented key, or None."""
    if not key or not key.strip() or len(key) > 200:
        return None
    if "\x00" in key:
        return None
    row = (await conn.execute(
        select(api_keys).where(api_keys.c.key_hash == hash_key(key), api_keys.c.revoked_at.is_(None))
    )).mappings().first()
    return dict(row) if row else None
