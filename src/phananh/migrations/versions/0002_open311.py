"""open311: partner API keys, Open311 request details, category attributes

Revision ID: 0002_open311
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

import phananh.db

revision = "0002_open311"
down_revision = "0001"
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner", sa.String(length=200), nullable=False),
        sa.Column("partner_slug", sa.String(length=24), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", phananh.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("last_used_at", phananh.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", phananh.db.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    op.create_table(
        "open311_requests",
        sa.Column("report_id", _Id, nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(length=200), nullable=True),
        sa.Column("account_id", sa.String(length=200), nullable=True),
        sa.Column("media_url", sa.String(length=1000), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("created_at", phananh.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], name=op.f("fk_open311_requests_report_id_reports")),
        sa.ForeignKeyConstraint(["api_key_id"], ["api_keys.id"], name=op.f("fk_open311_requests_api_key_id_api_keys")),
        sa.PrimaryKeyConstraint("report_id", name=op.f("pk_open311_requests")),
    )
    op.create_index("ix_open311_requests_key", "open311_requests", ["api_key_id"])
    op.create_table(
        "category_attributes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("datatype", sa.String(length=16), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("variable", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("description_vi", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("datatype_description_vi", sa.Text(), nullable=True),
        sa.Column("datatype_description_en", sa.Text(), nullable=True),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["category_id"], ["categories.id"],
                                name=op.f("fk_category_attributes_category_id_categories")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_category_attributes")),
        sa.UniqueConstraint("category_id", "code", name="uq_category_attributes_category_code"),
    )


def downgrade() -> None:
    op.drop_table("category_attributes")
    op.drop_index("ix_open311_requests_key", table_name="open311_requests")
    op.drop_table("open311_requests")
    op.drop_table("api_keys")
