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

calendar_days = Table(
    "calendar_days",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("day", Date, nullable=False, unique=True),
    Column("kind", String(16), nullable=False),  # day_off | working_day
    Column("name", String(200), nullable=False),
    Column("source", String(16), nullable=False),  # holidays | admin
    Column("note", Text),
)

sla_policies = Table(
    "sla_policies",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False, unique=True),
    Column("data", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)
