from sqlalchemy import JSON, Column, Integer, String, Table

from phananh.db import UtcDateTime, metadata

# The province pack a database was loaded from (migration 0012): province.yaml's content (names, map view,
# Open311 jurisdiction, category groups), its version and when it was loaded. One row per province code.
provinces = Table(
    "provinces",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("version", Integer, nullable=False),
    Column("data", JSON, nullable=False),
    Column("loaded_at", UtcDateTime, nullable=False),
)
