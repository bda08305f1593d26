"""search that understands Vietnamese: folded search columns, trigram indexes on PostgreSQL

Revision ID: 0010_search_tracking
Revises: 0001

Tracking codes need no schema change: new codes are 12 characters in the same column, old ones stay as they are.
"""
import sqlalchemy as sa
from alembic import op

from phananh.reports.search import search_columns

revision = "0010_search_tracking"
down_revision = "0001"
branch_labels = None
depends_on = ("0007_public_view",)  # the backfill folds the public view too

BATCH = 5000
COLUMNS = ("search_text", "public_search_text")


def upgrade() -> None:
    for column in COLUMNS:
        op.add_column("reports", sa.Column(column, sa.Text(), nullable=True))
    _backfill(op.get_bind())
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        # PostgreSQL: a trigram GIN index for LIKE '%…%'; SQLite: an empty partial index (it scans instead).
        op.create_index(f"ix_reports_{column}_trgm", "reports", [column], postgresql_using="gin",
                        postgresql_ops={column: "gin_trgm_ops"}, sqlite_where=sa.text("0"))


def _backfill(bind) -> None:
    """Fold the text of the reports already there, a batch of ids at a time (the folding is Python's)."""
    names = ("id", "title", "description", "address", "public_title", "public_description", "public_address")
    reports = sa.table("reports", *(sa.column(c) for c in (*names, *COLUMNS)))
    last = 0
    while True:
        rows = bind.execute(sa.select(*(reports.c[n] for n in names)).where(reports.c.id > last)
                            .order_by(reports.c.id).limit(BATCH)).mappings().all()
        if not rows:
            return
        bind.execute(reports.update().where(reports.c.id == sa.bindparam("rid")),
                     [{"rid": r["id"], **search_columns(dict(r))} for r in rows])
        last = rows[-1]["id"]


def downgrade() -> None:
    for column in COLUMNS:
        op.drop_index(f"ix_reports_{column}_trgm", table_name="reports")
    with op.batch_alter_table("reports") as batch:
        for column in COLUMNS:
            batch.drop_column(column)
