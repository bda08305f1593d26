"""the public view of a report and sensitive categories (one rule for what is public)

Revision ID: 0007_public_view
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

import phananh.db
from phananh.reports.visibility import initial_public_fields

revision = "0007_public_view"
down_revision = "0001"
branch_labels = None
depends_on = None

# Cà Mau's sensitive categories (security and order, law violations, health, epidemics) in databases made before
# the flag; new databases get it from their province data (demo/catalog.py), and an admin edits it.
SENSITIVE_BY_DEFAULT = ("an-ninh-trat-tu", "vi-pham-phap-luat", "y-te", "dich-benh")
COLUMNS = ("public_title", "public_description", "public_address", "public_lat", "public_lon", "public_since")


def upgrade() -> None:
    op.add_column("categories", sa.Column("sensitive", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("reports", sa.Column("public_title", sa.String(300), nullable=True))
    op.add_column("reports", sa.Column("public_description", sa.Text(), nullable=True))
    op.add_column("reports", sa.Column("public_address", sa.String(500), nullable=True))
    op.add_column("reports", sa.Column("public_lat", sa.Float(), nullable=True))
    op.add_column("reports", sa.Column("public_lon", sa.Float(), nullable=True))
    op.add_column("reports", sa.Column("public_since", phananh.db.UtcDateTime(timezone=True), nullable=True))
    op.create_index("ix_reports_public_since", "reports", ["public_since"])
    bind = op.get_bind()
    categories = sa.table("categories", sa.column("id", sa.Integer), sa.column("code", sa.String),
                          sa.column("sensitive", sa.Boolean))
    bind.execute(categories.update().where(categories.c.code.in_(SENSITIVE_BY_DEFAULT)).values(sensitive=True))
    _backfill_published(bind)


def _backfill_published(bind) -> None:
    """Results already published were reviewed: they keep their place on the public site, as a public view."""
    reports = sa.table("reports", *(sa.column(c) for c in (
        "id", "status", "title", "description", "address", "lat", "lon", "area_id", "category_id", "updated_at",
        *COLUMNS)))
    areas = sa.table("areas", sa.column("id"), sa.column("lat"), sa.column("lon"))
    categories = sa.table("categories", sa.column("id"), sa.column("sensitive"))
    area_by_id = {r.id: {"lat": r.lat, "lon": r.lon} for r in bind.execute(sa.select(areas))}
    sensitive = {r.id for r in bind.execute(sa.select(categories.c.id).where(categories.c.sensitive.is_(True)))}
    rows = bind.execute(sa.select(reports).where(reports.c.status.in_(("published", "closed")),
                                                 reports.c.public_since.is_(None))).mappings().all()
    for r in rows:
        fields = initial_public_fields(dict(r), sensitive=r["category_id"] in sensitive,
                                       area=area_by_id.get(r["area_id"]))
        bind.execute(reports.update().where(reports.c.id == r["id"]).values(**fields, public_since=r["updated_at"]))


def downgrade() -> None:
    op.drop_index("ix_reports_public_since", table_name="reports")
    with op.batch_alter_table("reports") as batch:
        for column in COLUMNS:
            batch.drop_column(column)
    with op.batch_alter_table("categories") as batch:
        batch.drop_column("sensitive")
