"""rules versions (every process's reference-data caches follow them) and the schedulers' heartbeats

Revision ID: 0011_rules_version
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

import phananh.db

revision = "0011_rules_version"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    versions = op.create_table(
        "rules_versions",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_rules_versions")),
    )
    op.bulk_insert(versions, [{"name": "directory", "version": 1}, {"name": "sla", "version": 1}])
    op.create_table(
        "job_heartbeats",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("beat_at", phananh.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_heartbeats")),
    )


def downgrade() -> None:
    op.drop_table("job_heartbeats")
    op.drop_table("rules_versions")
