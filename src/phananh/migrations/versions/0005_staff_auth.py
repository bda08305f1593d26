"""staff sign-in: lockout, TOTP second factor, recovery codes, idle sessions, security events

Revision ID: 0005_staff_auth
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

import phananh.db

revision = "0005_staff_auth"
down_revision = "0001"
branch_labels = None
depends_on = None

Utc = phananh.db.UtcDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("first_failed_at", Utc, nullable=True))
        batch.add_column(sa.Column("locked_until", Utc, nullable=True))
        batch.add_column(sa.Column("lock_count", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("totp_secret", sa.String(200), nullable=True))
        batch.add_column(sa.Column("totp_enrolled_at", Utc, nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("last_used_at", Utc, nullable=True))
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("used_at", Utc, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_recovery_codes_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_codes")),
        sa.UniqueConstraint("user_id", "code_hash", name="uq_recovery_codes_user_code"),
    )
    op.create_table(
        "security_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", Utc, nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(100), nullable=True),
        sa.Column("actor", sa.String(100), nullable=True),
        sa.Column("ip", sa.String(64), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_security_events_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_events")),
    )
    op.create_index("ix_security_events_user_at", "security_events", ["user_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_security_events_user_at", table_name="security_events")
    op.drop_table("security_events")
    op.drop_table("recovery_codes")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("last_used_at")
    with op.batch_alter_table("users") as batch:
        for name in ("totp_last_step", "totp_enrolled_at", "totp_secret", "lock_count", "locked_until",
                     "first_failed_at", "failed_logins"):
            batch.drop_column(name)
