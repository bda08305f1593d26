"""The staff second factor: TOTP (RFC 6238, 30-second steps, one step of drift either way) and 10 one-time
recovery codes. The TOTP secret is stored encrypted under a key derived from `secret_key`; recovery codes only
as keyed hashes. A code is never accepted twice: the last accepted time step is kept, and a recovery code is
spent by one conditional UPDATE."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import datetime

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from phananh.auth import security_log
from phananh.auth.tables import recovery_codes, users
from phananh.config import Settings
from phananh.domain_errors import Conflict, InvalidInput, NotFound, NotSignedIn

ISSUER = "Phản ánh hiện trường"
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud or copied by hand
_TOTP = re.compile(r"^[0-9]{6}$")


def _fernet(settings: Settings) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"phananh totp secret").derive(
        settings.secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret: str, settings: Settings) -> str:
    return _fernet(settings).encrypt(secret.encode()).decode()


def unseal(sealed: str, settings: Settings) -> str | None:
    try:
        return _fernet(settings).decrypt(sealed.encode()).decode()
    except (InvalidToken, ValueError):
        return None  # the server's secret_key changed: an admin resets this user's second factor


def _recovery_hash(user_id: int, code: str, settings: Settings) -> str:
    return hmac.new(settings.secret_key.encode(), f"recovery:{user_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _normal_recovery(code: str) -> str:
    return re.sub(r"[\s\-]", "", code).lower()


def new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code (for an authenticator app's camera)."""
    return segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff")


def is_enrolled(row) -> bool:
    return row["totp_enrolled_at"] is not None


async def _user(conn: AsyncConnection, user_id: int):
    row = (await conn.execute(select(users).where(users.c.id == user_id))).mappings().first()
    if row is None:
        raise NotSignedIn("unauthorized", "Sign in to do this.")
    return row


async def begin_totp(conn: AsyncConnection, *, user_id: int, settings: Settings) -> dict:
    """A new TOTP secret for the user (not active until confirmed): the secret and its otpauth:// URI."""
    row = await _user(conn, user_id)
    if is_enrolled(row):
        raise Conflict("mfa_already_enrolled", "A second factor is already set up for this account.")
    secret = pyotp.random_base32()
    await conn.execute(update(users).where(users.c.id == user_id).values(totp_secret=seal(secret, settings)))
    uri = pyotp.TOTP(secret).provisioning_uri(name=row["username"], issuer_name=ISSUER)
    return {"secret": secret, "otpauth_uri": uri}


async def pending_totp(conn: AsyncConnection, *, user_id: int, settings: Settings) -> dict | None:
    """The secret of a started, unconfirmed enrolment (the enrolment page shows it again on reload)."""
    row = await _user(conn, user_id)
    secret = unseal(row["totp_secret"], settings) if row["totp_secret"] and not is_enrolled(row) else None
    if secret is None:
        return None
    return {"secret": secret, "otpauth_uri": pyotp.TOTP(secret).provisioning_uri(name=row["username"],
                                                                                  issuer_name=ISSUER)}


async def confirm_totp(conn: AsyncConnection, *, user_id: int, code: str, settings: Settings, now: datetime,
                       ip: str | None = None) -> list[str]:
    """Activate the secret with a first valid code; returns the 10 recovery codes (shown once)."""
    row = await _user(conn, user_id)
    if is_enrolled(row):
        raise Conflict("mfa_already_enrolled", "A second factor is already set up for this account.")
    secret = unseal(row["totp_secret"], settings) if row["totp_secret"] else None
    if secret is None:
        raise Conflict("mfa_setup_required", "Start the set-up first: ask for a new secret.")
    step = _matching_step(secret, code.strip(), now)
    if step is None:
        raise InvalidInput("invalid_code", "The code is wrong or has expired.", details={"field": "code"})
    codes = [new_recovery_code() for _ in range(RECOVERY_CODES)]
    await conn.execute(update(users).where(users.c.id == user_id).values(totp_enrolled_at=now, totp_last_step=step))
    await conn.execute(delete(recovery_codes).where(recovery_codes.c.user_id == user_id))
    await conn.execute(insert(recovery_codes), [
        {"user_id": user_id, "code_hash": _recovery_hash(user_id, _normal_recovery(c), settings)} for c in codes])
    await security_log.record(conn, "mfa_enrolled", user_id=user_id, username=row["username"],
                              actor=row["username"], ip=ip, now=now)
    return codes


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    if not _TOTP.match(code):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


async def accept_second_factor(conn: AsyncConnection, row, code: str, *, settings: Settings, now: datetime,
                               ip: str | None = None) -> str | None:
    """Spend a TOTP code or a recovery code of the enrolled user `row`: "totp", "recovery", or None if refused."""
    code = (code or "").strip()
    if _TOTP.match(code):
        secret = unseal(row["totp_secret"], settings) if row["totp_secret"] else None
        step = _matching_step(secret, code, now) if secret else None
        if step is None:
            return None
        spent = (await conn.execute(
            update(users).where(users.c.id == row["id"],
                                or_(users.c.totp_last_step.is_(None), users.c.totp_last_step < step))
            .values(totp_last_step=step).returning(users.c.id)
        )).first()
        return "totp" if spent else None  # the same code (or an older one) again is refused
    spent = (await conn.execute(
        update(recovery_codes).where(
            recovery_codes.c.user_id == row["id"], recovery_codes.c.used_at.is_(None),
            recovery_codes.c.code_hash == _recovery_hash(row["id"], _normal_recovery(code), settings),
        ).values(used_at=now).returning(recovery_codes.c.id)
    )).first()
    if spent is None:
        return None
    await security_log.record(conn, "recovery_code_used", user_id=row["id"], username=row["username"],
                              actor=row["username"], ip=ip, now=now)
    return "recovery"


async def reset(conn: AsyncConnection, username: str, *, actor: str, now: datetime) -> None:
    """Remove a user's second factor (lost phone and codes): they enrol again at the next sign-in. Recorded."""
    row = (await conn.execute(select(users.c.id).where(users.c.username == username))).first()
    if row is None:
        raise NotFound("not_found", "Not found: {what}", what=username)
    await conn.execute(update(users).where(users.c.id == row.id).values(
        totp_secret=None, totp_enrolled_at=None, totp_last_step=None))
    await conn.execute(delete(recovery_codes).where(recovery_codes.c.user_id == row.id))
    await security_log.record(conn, "mfa_reset", user_id=row.id, username=username, actor=actor, now=now)
