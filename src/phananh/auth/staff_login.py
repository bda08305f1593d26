"""Staff sign-in in steps: the password (with the account lockout), then the second factor when the account
has one, then a bearer token. The API does the steps in one request (`login_staff`); the web sign-in in two
pages, carrying a signed, five-minute ticket between them (never a session)."""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from phananh.auth import lockout, mfa
from phananh.auth.security import hash_password, verify_password
from phananh.auth.tables import users
from phananh.config import Settings
from phananh.db import utcnow
from phananh.errors import ApiError, DomainError, http_status
from phananh.workflow import Role

TICKET_SECONDS = 300
_DUMMY_HASH = hash_password("not-a-real-password")


def wrong_credentials() -> ApiError:
    return ApiError(401, "invalid_credentials", "Wrong username or password.")


def mfa_required(*, code_given: bool) -> ApiError:
    """401 `mfa_required`; `details.otp` says whether a code was missing or refused (the latter is a failure)."""
    if code_given:
        return ApiError(401, "mfa_required", "The second-factor code is wrong or was already used.",
                        details={"otp": "invalid"})
    return ApiError(401, "mfa_required", "Enter the code from your authenticator app (or a recovery code).",
                    details={"otp": "missing"})


def is_counted_failure(exc: DomainError) -> bool:
    """Whether a refused sign-in counts against the client IP's budget (a missing code does not)."""
    return http_status(exc) == 401 and not (exc.code == "mfa_required" and (exc.details or {}).get("otp") == "missing")


async def _fail(conn: AsyncConnection, row, error: ApiError, *, settings: Settings, now: datetime,
                ip: str | None) -> ApiError:
    """Count the failure on the account and keep it (commit) although the request fails."""
    until = await lockout.count_failure(conn, row, settings=settings, now=now, ip=ip)
    await conn.commit()
    return lockout.locked_error(until, now) if until else error


async def check_password(conn: AsyncConnection, *, username: str, password: str, settings: Settings,
                         now: datetime, ip: str | None = None):
    """The staff account's row if the password is right and it may sign in; else 401 (counted) or 429."""
    row = (await conn.execute(select(users).where(users.c.username == username))).mappings().first()
    can_sign_in = row is not None and row["active"] and row["role"] != Role.citizen
    if can_sign_in:
        lockout.refuse_if_locked(row, now)
    # Verify even for an unknown user so that timing does not reveal which usernames exist.
    ok = verify_password(row["password_hash"] if row else _DUMMY_HASH, password)
    if not can_sign_in:
        raise wrong_credentials()
    if not ok:
        raise await _fail(conn, row, wrong_credentials(), settings=settings, now=now, ip=ip)
    return row


async def check_second_factor(conn: AsyncConnection, row, otp: str | None, *, settings: Settings, now: datetime,
                              ip: str | None = None) -> None:
    """Nothing for an account without a second factor; else a TOTP or unused recovery code is needed."""
    if not mfa.is_enrolled(row):
        return
    if otp is None or not otp.strip():
        raise mfa_required(code_given=False)
    if await mfa.accept_second_factor(conn, row, otp, settings=settings, now=now, ip=ip) is None:
        raise await _fail(conn, row, mfa_required(code_given=True), settings=settings, now=now, ip=ip)


async def finish(conn: AsyncConnection, row, *, settings: Settings, now: datetime) -> dict:
    """Both factors passed: forget the failures and issue the bearer token."""
    from phananh.auth.service import issue_token, public_user

    await lockout.clear_after_success(conn, row, now=now)
    token, ttl = await issue_token(conn, user_id=row["id"], settings=settings)
    return {"access_token": token, "token_type": "bearer", "expires_in": ttl, "user": public_user(row)}


async def login_staff(conn: AsyncConnection, *, username: str, password: str, settings: Settings,
                      otp: str | None = None, ip: str | None = None, now: datetime | None = None) -> dict:
    now = now or utcnow()
    row = await check_password(conn, username=username, password=password, settings=settings, now=now, ip=ip)
    await check_second_factor(conn, row, otp, settings=settings, now=now, ip=ip)
    return await finish(conn, row, settings=settings, now=now)


def _ticket_mac(settings: Settings, user_id: int, expires: int, password_hash: str) -> str:
    text = f"two-step:{user_id}:{expires}:{password_hash}"
    return hmac.new(settings.secret_key.encode(), text.encode(), hashlib.sha256).hexdigest()


def two_step_ticket(row, settings: Settings) -> str:
    """Proof that the password step passed, for the second page; dies after 5 minutes or a password change."""
    expires = int(time.time()) + TICKET_SECONDS
    return f"{row['id']}.{expires}.{_ticket_mac(settings, row['id'], expires, row['password_hash'])}"


async def user_for_ticket(conn: AsyncConnection, ticket: str, *, settings: Settings, now: datetime):
    """The account whose password step the ticket proves; 401 `sign_in_expired` if it is forged or old."""
    expired = ApiError(401, "sign_in_expired", "The sign-in took too long; enter your password again.")
    try:
        raw_id, raw_expires, mac = ticket.split(".")
        user_id, expires = int(raw_id), int(raw_expires)
    except ValueError:
        raise expired
    row = (await conn.execute(select(users).where(users.c.id == user_id))).mappings().first()
    if row is None or expires < time.time() or not row["active"] or not hmac.compare_digest(
            mac, _ticket_mac(settings, user_id, expires, row["password_hash"] or "")):
        raise expired
    lockout.refuse_if_locked(row, now)
    return row
