"""Sign-in for staff (password) and citizens (one-time code by SMS), and token lookup."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import httpx
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from phananh.auth.principal import Principal
from phananh.auth.security import hash_password, new_otp, new_token, token_hash, verify_password
from phananh.auth.tables import api_tokens, otp_codes, users
from phananh.config import Settings
from phananh.db import utcnow
from phananh.errors import ApiError
from phananh.workflow import Role

log = logging.getLogger("phananh.auth")
MAX_OTP_ATTEMPTS = 5
_PHONE = re.compile(r"^\+?[0-9]{8,15}$")


def normalize_phone(phone: str) -> str:
    """Vietnamese numbers in one form: 0xxxxxxxxx → +84xxxxxxxxx; spaces and dots dropped."""
    digits = re.sub(r"[\s.\-()]", "", phone or "")
    if not _PHONE.match(digits):
        raise ApiError(422, "invalid_phone", "The phone number is not valid.")
    if digits.startswith("0"):
        digits = "+84" + digits[1:]
    elif not digits.startswith("+"):
        digits = "+" + digits
    return digits


async def issue_token(conn: AsyncConnection, *, user_id: int, settings: Settings) -> tuple[str, int]:
    token = new_token()
    now = utcnow()
    ttl = timedelta(hours=settings.token_ttl_hours)
    await conn.execute(
        insert(api_tokens).values(token_hash=token_hash(token), user_id=user_id, created_at=now, expires_at=now + ttl)
    )
    return token, int(ttl.total_seconds())


async def login_staff(conn: AsyncConnection, *, username: str, password: str, settings: Settings) -> dict:
    row = (await conn.execute(select(users).where(users.c.username == username))).mappings().first()
    # Verify even for an unknown user so that timing does not reveal which usernames exist.
    ok = verify_password(row["password_hash"] if row else _DUMMY_HASH, password)
    if not row or not ok or not row["active"] or row["role"] == Role.citizen:
        raise ApiError(401, "invalid_credentials", "Wrong username or password.")
    token, ttl = await issue_token(conn, user_id=row["id"], settings=settings)
    return {"access_token": token, "token_type": "bearer", "expires_in": ttl, "user": public_user(row)}


_DUMMY_HASH = hash_password("not-a-real-password")


def public_user(row) -> dict:
    return {"username": row["username"], "full_name": row["full_name"], "role": row["role"]}


async def principal_for_token(conn: AsyncConnection, token: str) -> Principal | None:
    j = api_tokens.join(users, users.c.id == api_tokens.c.user_id)
    row = (
        await conn.execute(
            select(users.c.id, users.c.username, users.c.role, users.c.agency_id, users.c.area_id, users.c.phone,
                   users.c.active, api_tokens.c.expires_at, api_tokens.c.revoked)
            .select_from(j)
            .where(api_tokens.c.token_hash == token_hash(token))
        )
    ).mappings().first()
    if not row or row["revoked"] or not row["active"] or row["expires_at"] < utcnow():
        return None
    return Principal(
        role=Role(row["role"]), user_id=row["id"], username=row["username"], agency_id=row["agency_id"],
        area_id=row["area_id"], phone=row["phone"],
    )


async def request_otp(conn: AsyncConnection, *, phone: str, settings: Settings) -> dict:
    phone = normalize_phone(phone)
    code = new_otp()
    now = utcnow()
    await conn.execute(
        insert(otp_codes).values(
            phone=phone, code_hash=token_hash(phone + code), created_at=now,
            expires_at=now + timedelta(minutes=settings.otp_ttl_minutes),
        )
    )
    await send_sms(phone, f"Ma xac thuc Phan anh hien truong: {code}", settings=settings)
    return {"phone": phone, "expires_in": settings.otp_ttl_minutes * 60}


async def send_sms(phone: str, text: str, *, settings: Settings) -> None:
    """The SMS sender is pluggable: the embedded demo writes to the log, production posts to a gateway."""
    if settings.sms_backend == "http" and settings.sms_gateway_url:
        async with httpx.AsyncClient(timeout=10) as client:
            await client.post(settings.sms_gateway_url, json={"to": phone, "text": text})
    else:
        log.warning("SMS to %s: %s", phone, text)


async def verify_otp(conn: AsyncConnection, *, phone: str, code: str, settings: Settings) -> dict:
    phone = normalize_phone(phone)
    row = (
        await conn.execute(
            select(otp_codes)
            .where(otp_codes.c.phone == phone, otp_codes.c.used.is_(False))
            .order_by(otp_codes.c.id.desc())
            .limit(1)
        )
    ).mappings().first()
    if not row or row["expires_at"] < utcnow() or row["attempts"] >= MAX_OTP_ATTEMPTS:
        raise ApiError(401, "invalid_code", "The code is wrong or has expired.")
    if row["code_hash"] != token_hash(phone + code):
        await conn.execute(update(otp_codes).where(otp_codes.c.id == row["id"]).values(attempts=row["attempts"] + 1))
        # Keep the attempt count even though the request fails.
        await conn.commit()
        raise ApiError(401, "invalid_code", "The code is wrong or has expired.")
    await conn.execute(update(otp_codes).where(otp_codes.c.id == row["id"]).values(used=True))
    user = (await conn.execute(select(users).where(users.c.username == phone))).mappings().first()
    if user is None:
        user_id = (
            await conn.execute(
                insert(users).values(username=phone, role=Role.citizen, phone=phone, full_name="", created_at=utcnow())
                .returning(users.c.id)
            )
        ).scalar_one()
    else:
        user_id = user["id"]
    token, ttl = await issue_token(conn, user_id=user_id, settings=settings)
    return {"access_token": token, "token_type": "bearer", "expires_in": ttl,
            "user": {"username": phone, "full_name": "", "role": Role.citizen}}


async def create_user(
    conn: AsyncConnection, *, username: str, password: str | None, role: str, full_name: str = "",
    agency_id: int | None = None, area_id: int | None = None, phone: str | None = None, email: str | None = None,
) -> int:
    Role(role)  # raises for an unknown role
    return (
        await conn.execute(
            insert(users).values(
                username=username, password_hash=hash_password(password) if password else None, role=role,
                full_name=full_name, agency_id=agency_id, area_id=area_id, phone=phone, email=email,
                created_at=utcnow(),
            ).returning(users.c.id)
        )
    ).scalar_one()
