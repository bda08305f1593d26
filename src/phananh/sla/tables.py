from sqlalchemy import JSON, Boolean, Column, Date, ForeignKey, Index, Integer, String, Table, Text

from phananh.db import UtcDateTime, metadata
from phananh.reports.tables import Id

sla_clocks = Table(
    "sla_clocks",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("report_id", Id, ForeignKey("reports.id"), nullable=False),
    Column("stage", String(16), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("at_risk_at", UtcDateTime, nullable=False),
    Column("stopped_at", UtcDateTime),
    # on_time | late | void (the return window closes unused when the agency responds)
    Column("outcome", String(8)),
    Column("late_seconds", Integer),
    Column("policy_version", Integer, nullable=False),
    Column("urgent", Boolean, nullable=False, default=False),
    Column("at_risk_flagged_at", UtcDateTime),
    Column("overdue_flagged_at", UtcDateTime),
)
Index("ix_sla_clocks_report", sla_clocks.c.report_id, sla_clocks.c.stage)
# The sweep reads only running clocks whose next flag instant has passed.
Index("ix_sla_clocks_running_due", sla_clocks.c.due_at, postgresql_where=sla_clocks.c.stopped_at.is_(None),
      sqlite_where=sla_clocks.c.stopped_at.is_(None))
Index("ix_sla_clocks_running_risk", sla_clocks.c.at_risk_at, postgresql_where=sla_clocks.c.stopped_at.is_(None),
      sqlite_where=sla_clocks.c.stopped_at.is_(None))
# Migration 0003: the sweep's own indexes hold only running clocks not yet flagged, so they stay small
# however many overdue clocks stay open.
_unflagged_overdue = sla_clocks.c.stopped_at.is_(None) & sla_clocks.c.overdue_flagged_at.is_(None)
_unflagged_at_risk = sla_clocks.c.stopped_at.is_(None) & sla_clocks.c.at_risk_flagged_at.is_(None)
Index("ix_sla_clocks_sweep_overdue", sla_clocks.c.due_at,
      postgresql_where=_unflagged_overdue, sqlite_where=_unflagged_overdue)
Index("ix_sla_clocks_sweep_at_risk", sla_clocks.c.at_risk_at,
      postgresql_where=_unflagged_at_risk, sqlite_where=_unflagged_at_risk)

calendar_days = Table(
    "calendar_days",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("day", Date, nullable=False, unique=True),
    Column("kind", String(16), nullable=False),  # day_off | working_day
    Column("name", String(200), nullable=False),
    Column("source", String(16), nullable=False),  # holidays | admin
    Column("note", Text),
    # Migration 0003: a removed row stays as a tombstone, so re-seeding never brings back a holiday an
    # admin removed; who changed a row last, and when.
    Column("removed_at", UtcDateTime),
    Column("changed_by", String(100)),
    Column("changed_at", UtcDateTime),
)

sla_policies = Table(
    "sla_policies",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False, unique=True),
    Column("data", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(100)),  # migration 0003
)
