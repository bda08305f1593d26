"""The rules versions (one counter per kind of reference data) and the schedulers' heartbeats."""

from sqlalchemy import BigInteger, Column, String, Table

from phananh.db import UtcDateTime, metadata

# Bumped in the same transaction as every change of its rules: "directory" (categories, agencies, areas,
# routing) and "sla" (calendar days, SLA policy). Each process compares it with the version its cache holds.
rules_versions = Table(
    "rules_versions",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("version", BigInteger, nullable=False),
)

# When a scheduler last finished a pass of a job (the "sweep" one drives the sweep-lag metric).
job_heartbeats = Table(
    "job_heartbeats",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("beat_at", UtcDateTime, nullable=False),
)
