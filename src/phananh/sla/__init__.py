"""SLA: the working calendar and the one time primitive (pure; no database, no web)."""

from .calendar import (
    DEFAULT_OFFICE_HOURS,
    TZ,
    CalendarDay,
    DayKind,
    WorkingCalendar,
    seed_days,
)
from .clock import StageStatus, at_risk_at, deadline, elapsed, lateness, stage_status
from .policy import FALLBACK_POLICY, MODES, Mode, SlaPolicy, Stage

__all__ = [
    "FALLBACK_POLICY",
    "DEFAULT_OFFICE_HOURS",
    "MODES",
    "TZ",
    "CalendarDay",
    "DayKind",
    "Mode",
    "SlaPolicy",
    "Stage",
    "StageStatus",
    "WorkingCalendar",
    "at_risk_at",
    "deadline",
    "elapsed",
    "lateness",
    "seed_days",
    "stage_status",
]
