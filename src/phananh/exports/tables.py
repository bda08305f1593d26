from sqlalchemy import JSON, Boolean, Column, ForeignKey, Integer, String, Table

from phananh.db import UtcDateTime, metadata
from phananh.reports.tables import Id

# Every export, kept: who, when, which filter, which format, how many rows (ARCHITECTURE §5).
exports = Table(
    "exports",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id")),
    Column("username", String(100)),
    Column("role", String(32), nullable=False),
    Column("kind", String(16), nullable=False),  # reports | stats
    Column("format", String(8), nullable=False),
    Column("filters", JSON, nullable=False),
    Column("with_identity", Boolean, nullable=False),  # personal data columns were included
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),  # NULL: the download was interrupted
    Column("row_count", Integer),
)
