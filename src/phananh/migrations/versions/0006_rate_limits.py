"""abuse limits: the database storage of the rate counters

Revision ID: 0006_rate_limits
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_rate_limits"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_counters",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("used", sa.BigInteger(), nullable=False),
        sa.Column("quota", sa.BigInteger(), nullable=False),
        sa.Column("window_end_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_counters")),
    )
    op.create_index("ix_rate_counters_window_end_ms", "rate_counters", ["window_end_ms"])


def downgrade() -> None:
    op.drop_index("ix_rate_counters_window_end_ms", table_name="rate_counters")
    op.drop_table("rate_counters")
