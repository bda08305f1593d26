"""Counter tables, maintained per event in the event's transaction (see flows.py).

Each counter row is a cell of a small cube whose composite primary key is its dimensions (the day first,
so a period is an index range); a report moves between cells as it changes. `NONE` stands for "no area"
or "no agency" (the Portal), because NULLs never conflict in a unique key and so cannot be upserted.
"""

from sqlalchemy import BigInteger, Boolean, Column, Date, Integer, PrimaryKeyConstraint, SmallInteger, String, Table

from phananh.db import metadata
from phananh.reports.tables import Id

NONE = 0

# Where each report is counted now: read to find the cell it leaves when it changes.
stats_report_facts = Table(
    "stats_report_facts",
    metadata,
    Column("report_id", Id, primary_key=True, autoincrement=False),
    Column("day", Date, nullable=False),  # local (Asia/Ho_Chi_Minh) date of submission
    Column("category_id", Integer, nullable=False),
    Column("area_id", Integer, nullable=False),
    Column("agency_id", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("urgent", Boolean, nullable=False),
    Column("contacted", Boolean, nullable=False),
    Column("rating", SmallInteger, nullable=False),  # 0: not rated
)

# Reports by submission day and where they stand now.
stats_reports = Table(
    "stats_reports",
    metadata,
    Column("day", Date, nullable=False),
    Column("category_id", Integer, nullable=False),
    Column("area_id", Integer, nullable=False),
    Column("agency_id", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("urgent", Boolean, nullable=False),
    Column("contacted", Boolean, nullable=False),
    Column("n", BigInteger, nullable=False),
    PrimaryKeyConstraint("day", "category_id", "area_id", "agency_id", "status", "urgent", "contacted",
                         name="pk_stats_reports"),
)

# Ratings by the report's submission day (a re-rating moves the report to its new score).
stats_ratings = Table(
    "stats_ratings",
    metadata,
    Column("day", Date, nullable=False),
    Column("category_id", Integer, nullable=False),
    Column("area_id", Integer, nullable=False),
    Column("agency_id", Integer, nullable=False),
    Column("score", SmallInteger, nullable=False),
    Column("n", BigInteger, nullable=False),
    PrimaryKeyConstraint("day", "category_id", "area_id", "agency_id", "score", name="pk_stats_ratings"),
)

# Stopped SLA stages (outcome on_time/late) and first leader contacts (stage "contact", outcome "done"),
# by the local day they stopped, with a fixed-bucket histogram of their durations (buckets.py).
stats_stages = Table(
    "stats_stages",
    metadata,
    Column("day", Date, nullable=False),
    Column("stage", String(16), nullable=False),
    Column("agency_id", Integer, nullable=False),  # the responsible agency; NONE for the Portal's stages
    Column("category_id", Integer, nullable=False),
    Column("area_id", Integer, nullable=False),
    Column("outcome", String(8), nullable=False),
    Column("bucket", SmallInteger, nullable=False),
    Column("n", BigInteger, nullable=False),
    Column("seconds", BigInteger, nullable=False),  # sum of exact durations: averages are exact
    PrimaryKeyConstraint("day", "stage", "agency_id", "category_id", "area_id", "outcome", "bucket",
                         name="pk_stats_stages"),
)

COUNTERS = (stats_reports, stats_ratings, stats_stages)
