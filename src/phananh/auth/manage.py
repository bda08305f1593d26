"""Managing staff accounts (admin pages) and ending sessions: small service functions beside `service.py`."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from phananh.auth.passwords import check_password
from phananh.auth.security import hash_password, token_hash
from phananh.auth.tables import api_tokens, users
from phananh.domain_errors import InvalidInput, NotFound
from phananh.workflow import Role

AGENCY_ROLES = {Role.handler, Role.agency_leader}
STAFF_ROLE_CHOICES = (Role.dispatcher, Role.handler, Role.agency_leader, Role.supervisor, Role.admin)


async def revoke_token(conn: AsyncConnection, token: str) -> None:
    await conn.execute(update(api_tokens).where(api_tokens.c.token_hash == token_hash(token)).values(revoked=True))


async def list_staff(conn: AsyncConnection) -> list[dict]:
    rows = await conn.execute(select(users).where(users.c.role != Role.citizen).order_by(users.c.role, users.c.username))
    return [{k: v for k, v in r.items() if k != "totp_secret"} for r in rows.mappings()]


def check_staff_fields(*, role: str, agency_id: int | None, password: str | None, new: bool) -> None:
    if role not in {r.value for r in STAFF_ROLE_CHOICES}:
        raise InvalidInput("invalid_role", "Choose a role.", details={"field": "role"})
    if role in AGENCY_ROLES and agency_id is None:
        raise InvalidInput("agency_required", "Handlers and agency leaders belong to an agency.",
                           details={"field": "agency"})
    if new or password:
        check_password(password or "")


async def save_staff(
    conn: AsyncConnection, *, username: str, role: str, full_name: str, agency_id: int | None, area_id: int | None,
    phone: str | None, email: str | None, active: bool, password: str | None, new: bool,
) -> None:
    """Create (`new`) or update a staff account; a password change ends its open sessions."""
    from phananh.auth.service import create_user

    check_staff_fields(role=role, agency_id=agency_id, password=password, new=new)
    existing = (await conn.execute(select(users.c.id).where(users.c.username == username))).first()
    if new:
        if existing:
            raise InvalidInput("username_taken", "This username is already taken.", details={"field": "username"})
        await create_user(conn, username=username, password=password, role=role, full_name=full_name,
                          agency_id=agency_id, area_id=area_id, phone=phone, email=email)
        return
    if existing is None:
        raise NotFound("not_found", "Not found: {what}", what=username)
    values = dict(role=role, full_name=full_name, agency_id=agency_id if role in AGENCY_ROLES else None,
                  area_id=area_id, phone=phone, email=email, active=active)
    if password:
        values["password_hash"] = hash_password(password)
    await conn.execute(update(users).where(users.c.id == existing.id).values(**values))
    if password or not active:
        await conn.execute(update(api_tokens).where(api_tokens.c.user_id == existing.id).values(revoked=True))
