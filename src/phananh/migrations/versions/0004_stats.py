"""statistics counters and the export log

Revision ID: 0004_stats
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

import phananh.db
from phananh.stats.rebuild import rebuild_sync

revision = "0004_stats"
down_revision = "0001"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
CUBES = ("stats_reports", "stats_ratings", "stats_stages")


def upgrade() -> None:
    op.create_table(
        "stats_report_facts",
        sa.Column("report_id", Id, autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("contacted", sa.Boolean(), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint("report_id", name="pk_stats_report_facts"),
    )
    op.create_table(
        "stats_reports",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("contacted", sa.Boolean(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("shard", sa.SmallInteger(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("day", "category_id", "area_id", "agency_id", "status", "urgent", "contacted",
                                "shard", name="pk_stats_reports"),
    )
    op.create_table(
        "stats_ratings",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("shard", sa.SmallInteger(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("day", "category_id", "area_id", "agency_id", "score", "shard", name="pk_stats_ratings"),
    )
    op.create_table(
        "stats_stages",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(8), nullable=False),
        sa.Column("bucket", sa.SmallInteger(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("seconds", sa.BigInteger(), nullable=False),
        sa.Column("shard", sa.SmallInteger(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("day", "stage", "agency_id", "category_id", "area_id", "outcome", "bucket",
                                "shard", name="pk_stats_stages"),
    )
    op.create_table(
        "stats_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("dim", sa.String(12), nullable=False),
        sa.Column("key", sa.String(32), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("shard", sa.SmallInteger(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("day", "dim", "key", "shard", name="pk_stats_daily"),
    )
    op.create_table(
        "stats_stage_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("dim", sa.String(12), nullable=False),
        sa.Column("key", sa.String(32), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("seconds", sa.BigInteger(), nullable=False),
        sa.Column("shard", sa.SmallInteger(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("day", "stage", "dim", "key", "shard", name="pk_stats_stage_daily"),
    )
    for cube in CUBES:
        for dim in ("category_id", "area_id", "agency_id"):
            op.create_index(f"ix_{cube}_{dim}_day", cube, [dim, "day"])
    op.create_table(
        "exports",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(100), nullable=True),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("with_identity", sa.Boolean(), nullable=False),
        sa.Column("started_at", phananh.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", phananh.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("row_count", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_exports_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_exports"),
    )
    # Counters of the reports that exist already (nothing to do on a new database).
    rebuild_sync(op.get_bind())


def downgrade() -> None:
    for cube in CUBES:
        for dim in ("category_id", "area_id", "agency_id"):
            op.drop_index(f"ix_{cube}_{dim}_day", table_name=cube)
    for name in ("exports", "stats_stage_daily", "stats_daily", "stats_stages", "stats_ratings", "stats_reports",
                 "stats_report_facts"):
        op.drop_table(name)
