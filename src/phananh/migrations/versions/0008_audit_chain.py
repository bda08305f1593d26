"""audit: the sealed hash chain of events (blocks, event hashes) and the record of verifications

Revision ID: 0008_audit_chain
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

import phananh.db

revision = "0008_audit_chain"
down_revision = "0001"
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "audit_blocks",
        sa.Column("id", _Id, autoincrement=False, nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("first_event_id", _Id, nullable=False),
        sa.Column("last_event_id", _Id, nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("events_root", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("sealed_at", phananh.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_blocks")),
        sa.UniqueConstraint("prev_hash", name=op.f("uq_audit_blocks_prev_hash")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_blocks_hash")),
    )
    op.create_table(
        "audit_events",
        sa.Column("event_id", _Id, autoincrement=False, nullable=False),
        sa.Column("block_id", _Id, nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["block_id"], ["audit_blocks.id"], name=op.f("fk_audit_events_block_id_audit_blocks")),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_audit_events")),
    )
    op.create_table(
        "audit_verifications",
        sa.Column("id", _Id, autoincrement=True, nullable=False),
        sa.Column("started_at", phananh.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", phananh.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("problem_code", sa.String(length=32), nullable=True),
        sa.Column("problem", sa.JSON(), nullable=True),
        sa.Column("head_block_id", _Id, nullable=True),
        sa.Column("head_hash", sa.String(length=64), nullable=True),
        sa.Column("events_checked", sa.BigInteger(), nullable=False),
        sa.Column("blocks_checked", sa.BigInteger(), nullable=False),
        sa.Column("verified_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_verifications")),
    )


def downgrade() -> None:
    op.drop_table("audit_verifications")
    op.drop_table("audit_events")
    op.drop_table("audit_blocks")
