"""Counter tables, maintained per event in the event's transaction (see flows.py).

Each counter row is a cell of a small cube whose composite primary key is its dimensions (the day first,
so a period is an index range); a report moves between cells as it changes. `NONE` stands for "no area"
or "no agency" (the Portal), because NULLs never conflict in a unique key and so cannot be upserted.
"""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
)

from phananh.db import metadata
from phananh.reports.tables import Id

NONE = 0

# Where each report is counted now: read to find the cell it leaves when it changes.
# Counter cells are split over SHARDS rows (a report's cells go to shard report_id % SHARDS), so that concurrent
# submits increment different rows instead of queueing on one row lock per hot cell; every read sums them.
SHARDS = 8

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
    Column("shard", SmallInteger, nullable=False, server_default="0"),  # see SHARDS
    PrimaryKeyConstraint("day", "category_id", "area_id", "agency_id", "status", "urgent", "contacted",
                         "shard", name="pk_stats_reports"),
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
    Column("shard", SmallInteger, nullable=False, server_default="0"),  # see SHARDS
    PrimaryKeyConstraint("day", "category_id", "area_id", "agency_id", "score", "shard", name="pk_stats_ratings"),
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
    Column("shard", SmallInteger, nullable=False, server_default="0"),  # see SHARDS
    PrimaryKeyConstraint("day", "stage", "agency_id", "category_id", "area_id", "outcome", "bucket",
                         "shard", name="pk_stats_stages"),
)

# A filter or a scope reads only its own cells.
for _cube in (stats_reports, stats_ratings, stats_stages):
    for _dim in ("category_id", "area_id", "agency_id"):
        Index(f"ix_{_cube.name}_{_dim}_day", _cube.c[_dim], _cube.c.day)

# The province-wide breakdowns, one dimension at a time (the cubes summed over the others), so that an
# unfiltered dashboard reads a few hundred rows a day whatever the number of reports. `dim`: status, category,
# area, agency, rating, urgent (key "<status>|<contacted 0/1>").
stats_daily = Table(
    "stats_daily",
    metadata,
    Column("day", Date, nullable=False),
    Column("dim", String(12), nullable=False),
    Column("key", String(32), nullable=False),
    Column("n", BigInteger, nullable=False),
    Column("shard", SmallInteger, nullable=False, server_default="0"),  # see SHARDS
    PrimaryKeyConstraint("day", "dim", "key", "shard", name="pk_stats_daily"),
)

# The same for stages: `dim` outcome (key: outcome), agency (key "<agency id>|<outcome>"), bucket (key: bucket).
stats_stage_daily = Table(
    "stats_stage_daily",
    metadata,
    Column("day", Date, nullable=False),
    Column("stage", String(16), nullable=False),
    Column("dim", String(12), nullable=False),
    Column("key", String(32), nullable=False),
    Column("n", BigInteger, nullable=False),
    Column("seconds", BigInteger, nullable=False),
    Column("shard", SmallInteger, nullable=False, server_default="0"),  # see SHARDS
    PrimaryKeyConstraint("day", "stage", "dim", "key", "shard", name="pk_stats_stage_daily"),
)

COUNTERS = (stats_reports, stats_ratings, stats_stages, stats_daily, stats_stage_daily)
