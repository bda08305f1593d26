from sqlalchemy import JSON, Boolean, Column, ForeignKey, Index, Integer, String, Table, UniqueConstraint

from phananh.db import UtcDateTime, metadata

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    # Staff sign in with it; a citizen's is their phone number in E.164-like form.
    Column("username", String(100), nullable=False, unique=True),
    Column("password_hash", String(200)),
    Column("full_name", String(200), nullable=False, default=""),
    Column("role", String(32), nullable=False),
    Column("agency_id", Integer, ForeignKey("agencies.id")),
    Column("area_id", Integer, ForeignKey("areas.id")),
    Column("phone", String(32)),
    Column("email", String(200)),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UtcDateTime, nullable=False),
    # Lockout (auth.lockout): failures in the current window, and the lock they led to.
    Column("failed_logins", Integer, nullable=False, default=0, server_default="0"),
    Column("first_failed_at", UtcDateTime),
    Column("locked_until", UtcDateTime),
    Column("lock_count", Integer, nullable=False, default=0, server_default="0"),
    # Second factor (auth.mfa): the TOTP secret encrypted under the server's key; enrolled once confirmed.
    Column("totp_secret", String(200)),
    Column("totp_enrolled_at", UtcDateTime),
    Column("totp_last_step", Integer),  # the last time step accepted: a code is never accepted twice
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
    # Staff sessions end after `session_idle_minutes` unused; written at most once a minute.
    Column("last_used_at", UtcDateTime),
)

otp_codes = Table(
    "otp_codes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("phone", String(32), nullable=False, index=True),
    Column("code_hash", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("used", Boolean, nullable=False, default=False),
)

recovery_codes = Table(
    "recovery_codes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("code_hash", String(64), nullable=False),
    Column("used_at", UtcDateTime),
    UniqueConstraint("user_id", "code_hash", name="uq_recovery_codes_user_code"),
)

# Who locked, unlocked, enrolled... when, and by whom (an admin's username, "cli", or null for the system).
security_events = Table(
    "security_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UtcDateTime, nullable=False),
    Column("action", String(32), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id")),
    Column("username", String(100)),
    Column("actor", String(100)),
    Column("ip", String(64)),
    Column("details", JSON, nullable=False, default=dict),
    Index("ix_security_events_user_at", "user_id", "at"),
)
