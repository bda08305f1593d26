"""areas: an optional boundary (GeoJSON Polygon or MultiPolygon, lon/lat) from the province pack

The commune is filled from a pin by point-in-polygon where a boundary is known, else the nearest centre.

Revision ID: 0013_area_boundary
Revises: 0012_province_pack
"""
import sqlalchemy as sa
from alembic import op

revision = "0013_area_boundary"
down_revision = "0012_province_pack"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("areas", sa.Column("boundary", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("areas") as batch:
        batch.drop_column("boundary")
