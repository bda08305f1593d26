"""public photo derivatives: a durable job per photo (metadata stripped, faces and plates blurred)

Revision ID: 0009_media_derivatives
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

import phananh.db

revision = "0009_media_derivatives"
down_revision = "0001"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # Existing photos get no row here: the worker finds every photo without one and makes its derivative.
    op.create_table(
        "media_derivatives",
        sa.Column("media_id", Id, autoincrement=False, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", phananh.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(300), nullable=True),
        sa.Column("auto_boxes", sa.JSON(), nullable=True),
        sa.Column("manual_boxes", sa.JSON(), nullable=True),
        sa.Column("hidden_auto", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("updated_at", phananh.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["media_id"], ["media.id"], name=op.f("fk_media_derivatives_media_id_media")),
        sa.PrimaryKeyConstraint("media_id", name=op.f("pk_media_derivatives")),
    )
    with op.batch_alter_table("media_derivatives", schema=None) as batch_op:
        batch_op.create_index("ix_media_derivatives_due", ["status", "next_attempt_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("media_derivatives", schema=None) as batch_op:
        batch_op.drop_index("ix_media_derivatives_due")
    op.drop_table("media_derivatives")
