"""province packs: areas can be deactivated; which pack (and version) a database holds

Revision ID: 0012_province_pack
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

import phananh.db

revision = "0012_province_pack"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("areas", sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.create_table(
        "provinces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("loaded_at", phananh.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provinces")),
        sa.UniqueConstraint("code", name=op.f("uq_provinces_code")),
    )


def downgrade() -> None:
    op.drop_table("provinces")
    with op.batch_alter_table("areas") as batch:
        batch.drop_column("active")
