"""Sign-in for staff (password) and citizens (one-time code by SMS), and token lookup."""

from __future__ import annotations

import hmac
import logging
import re
from datetime import timedelta

import httpx
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from phananh.auth.principal import Principal
from phananh.auth.security import hash_password, new_otp, new_token, token_hash
from phananh.auth.tables import api_tokens, otp_codes, users
from phananh.config import Settings, get_settings
from phananh.db import utcnow
from phananh.errors import ApiError
from phananh.security import limits
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


async def login_staff(conn: AsyncConnection, *, username: str, password: str, settings: Settings,
                      otp: str | None = None, ip: str | None = None, now=None) -> dict:
    """Staff sign-in: password, lockout and second factor (see `auth.staff_login`)."""
    from phananh.auth import staff_login

    return await staff_login.login_staff(conn, username=username, password=password, settings=settings, otp=otp,
                                         ip=ip, now=now)


def public_user(row) -> dict:
    return {"username": row["username"], "full_name": row["full_name"], "role": row["role"]}


# A staff token's last use is written at most this often (idle expiry needs minutes, not every request).
TOUCH_EVERY = timedelta(minutes=1)


async def principal_for_token(conn: AsyncConnection, token: str, settings: Settings | None = None) -> Principal | None:
    """The caller a bearer token stands for; None when it is unknown, revoked, expired, or (staff) idle too long."""
    settings = settings or get_settings()
    j = api_tokens.join(users, users.c.id == api_tokens.c.user_id)
    row = (
        await conn.execute(
            select(users.c.id, users.c.username, users.c.role, users.c.agency_id, users.c.area_id, users.c.phone,
                   users.c.active, users.c.totp_enrolled_at, api_tokens.c.id.label("token_id"),
                   api_tokens.c.created_at, api_tokens.c.last_used_at, api_tokens.c.expires_at, api_tokens.c.revoked)
            .select_from(j)
            .where(api_tokens.c.token_hash == token_hash(token))
        )
    ).mappings().first()
    now = utcnow()
    if not row or row["revoked"] or not row["active"] or row["expires_at"] < now:
        return None
    role = Role(row["role"])
    if role != Role.citizen:
        last = row["last_used_at"] or row["created_at"]
        if now - last > timedelta(minutes=settings.session_idle_minutes):
            return None
        if now - last > TOUCH_EVERY:
            await _touch(conn, row["token_id"], now)
    return Principal(
        role=role, user_id=row["id"], username=row["username"], agency_id=row["agency_id"],
        area_id=row["area_id"], phone=row["phone"],
        mfa_pending=row["totp_enrolled_at"] is None and row["role"] in settings.mfa_roles(),
    )


async def _touch(conn: AsyncConnection, token_id: int, now) -> None:
    touch = update(api_tokens).where(api_tokens.c.id == token_id).values(last_used_at=now)
    sync = conn.sync_connection  # set once the connection has started, as it has here
    read_only = sync is not None and sync.get_execution_options().get("read_only", False)
    if conn.dialect.name == "sqlite" and not read_only and conn.in_transaction():
        await conn.execute(touch)  # this connection holds SQLite's write lock: a second writer would wait on it
        return
    async with conn.engine.begin() as writer:
        await writer.execute(touch)


async def send_sign_in_code(request, *, phone: str) -> dict:
    """Citizen sign-in, step 1, within its budgets (per phone; per client IP, counting only codes sent). The
    answer is the same whether or not the phone has an account; a 429 says only that this phone or this
    network asked too often."""
    phone = normalize_phone(phone)
    ip = limits.ip_key(request)
    await limits.check(request, "otp_request_per_ip", ip)
    await limits.hit(request, "otp_request_per_phone", phone)
    await limits.hit(request, "otp_request_per_ip", ip)
    async with request.app.state.engine.begin() as conn:
        return await request_otp(conn, phone=phone, settings=request.app.state.settings)


async def sign_in_with_code(request, *, phone: str, code: str) -> dict:
    """Citizen sign-in, step 2: at most `limit_otp_verify_failures_per_phone` failures per phone (across codes),
    and a wrong code's attempt stays counted (committed before the 401)."""
    phone = normalize_phone(phone)
    await limits.check(request, "otp_verify_failures_per_phone", phone)
    async with request.app.state.engine.begin() as conn:
        signed_in = await verify_otp(conn, phone=phone, code=code, settings=request.app.state.settings)
    if signed_in is None:
        await limits.hit(request, "otp_verify_failures_per_phone", phone)
        raise ApiError(401, "invalid_code", "The code is wrong or has expired.")
    return signed_in


async def request_otp(conn: AsyncConnection, *, phone: str, settings: Settings) -> dict:
    """A new one-time code for `phone`, sent by SMS; it voids the phone's older unused codes."""
    phone = normalize_phone(phone)
    code = new_otp()
    now = utcnow()
    await conn.execute(update(otp_codes).where(otp_codes.c.phone == phone, otp_codes.c.used.is_(False))
                       .values(used=True))
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


async def verify_otp(conn: AsyncConnection, *, phone: str, code: str, settings: Settings) -> dict | None:
    """The phone's token for its latest live code, or None (wrong, expired, used, out of attempts): the caller
    commits either way, so that the attempt stays counted. Each try takes one of the code's attempts in one
    atomic UPDATE before the code is compared, so however many arrive at once, at most MAX_OTP_ATTEMPTS are
    ever compared, and the right code after them is refused too."""
    phone = normalize_phone(phone)
    now = utcnow()
    latest = (select(otp_codes.c.id).where(otp_codes.c.phone == phone, otp_codes.c.used.is_(False))
              .order_by(otp_codes.c.id.desc()).limit(1).scalar_subquery())
    row = (await conn.execute(
        update(otp_codes)
        .where(otp_codes.c.id == latest, otp_codes.c.attempts < MAX_OTP_ATTEMPTS, otp_codes.c.used.is_(False),
               otp_codes.c.expires_at > now)
        .values(attempts=otp_codes.c.attempts + 1)
        .returning(otp_codes.c.id, otp_codes.c.code_hash)
    )).first()
    if row is None or not hmac.compare_digest(row.code_hash, token_hash(phone + code)):
        return None
    claimed = (await conn.execute(
        update(otp_codes).where(otp_codes.c.id == row.id, otp_codes.c.used.is_(False)).values(used=True)
        .returning(otp_codes.c.id)
    )).first()
    if claimed is None:  # the same right code, used by a concurrent request
        return None
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
