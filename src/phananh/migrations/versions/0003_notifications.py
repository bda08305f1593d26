"""notifications: the outbox; calendar tombstones and authorship; the sweep's partial indexes

Revision ID: 0003_notifications
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

import phananh.db

revision = "0003_notifications"
down_revision = "0001"
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_UNFLAGGED_OVERDUE = sa.text("stopped_at IS NULL AND overdue_flagged_at IS NULL")
_UNFLAGGED_AT_RISK = sa.text("stopped_at IS NULL AND at_risk_flagged_at IS NULL")
_PENDING = sa.text("status = 'pending'")
_IN_APP = sa.text("channel = 'in_app'")


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", _Id, autoincrement=True, nullable=False),
        sa.Column("recipient_user_id", sa.Integer(), nullable=True),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("report_id", _Id, nullable=True),
        sa.Column("event_id", _Id, nullable=True),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", phananh.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", phananh.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("read_at", phananh.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", phananh.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["recipient_user_id"], ["users.id"],
                                name=op.f("fk_notifications_recipient_user_id_users")),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], name=op.f("fk_notifications_report_id_reports")),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_notifications_event_id_events")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notifications_dedupe_key")),
    )
    op.create_index("ix_notifications_pending", "notifications", ["next_attempt_at"],
                    postgresql_where=_PENDING, sqlite_where=_PENDING)
    op.create_index("ix_notifications_inbox", "notifications", ["recipient_user_id", "id"],
                    postgresql_where=_IN_APP, sqlite_where=_IN_APP)
    op.create_index("ix_notifications_report", "notifications", ["report_id"])

    with op.batch_alter_table("calendar_days") as batch:
        batch.add_column(sa.Column("removed_at", phananh.db.UtcDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("changed_by", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("changed_at", phananh.db.UtcDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("sla_policies") as batch:
        batch.add_column(sa.Column("created_by", sa.String(length=100), nullable=True))
    op.create_index("ix_sla_clocks_sweep_overdue", "sla_clocks", ["due_at"],
                    postgresql_where=_UNFLAGGED_OVERDUE, sqlite_where=_UNFLAGGED_OVERDUE)
    op.create_index("ix_sla_clocks_sweep_at_risk", "sla_clocks", ["at_risk_at"],
                    postgresql_where=_UNFLAGGED_AT_RISK, sqlite_where=_UNFLAGGED_AT_RISK)


def downgrade() -> None:
    op.drop_index("ix_sla_clocks_sweep_at_risk", table_name="sla_clocks")
    op.drop_index("ix_sla_clocks_sweep_overdue", table_name="sla_clocks")
    with op.batch_alter_table("sla_policies") as batch:
        batch.drop_column("created_by")
    with op.batch_alter_table("calendar_days") as batch:
        batch.drop_column("changed_at")
        batch.drop_column("changed_by")
        batch.drop_column("removed_at")
    op.drop_index("ix_notifications_report", table_name="notifications")
    op.drop_index("ix_notifications_inbox", table_name="notifications")
    op.drop_index("ix_notifications_pending", table_name="notifications")
    op.drop_table("notifications")
