from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table

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
