"""SLA policy: the limits per stage and kind of day, as versioned data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time, timedelta
from enum import StrEnum
from typing import Any, Literal

Mode = Literal["day_type", "office_hours"]
MODES: tuple[str, ...] = ("day_type", "office_hours")

# (working-day limit, day-off limit)
Limits = Mapping[str, tuple[timedelta, timedelta]]
# Weekday (Monday=0) -> opening intervals, local time; a weekday left out has no office hours.
OfficeHours = Mapping[int, tuple[tuple[time, time], ...]]
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Stage(StrEnum):
    DISTRIBUTE = "distribute"
    RETURN = "return"
    RESPOND = "respond"
    PUBLISH = "publish"


@dataclass(frozen=True)
class SlaPolicy:
    version: int
    mode: Mode
    limits: Limits
    urgent_limits: Limits | None = None  # stages missing here fall back to `limits`
    at_risk_fraction: float = 0.25
    # The province's office hours (its pack's sla.yaml); None: the calendar's default (Mon–Fri 7–11, 13–17).
    office_hours: OfficeHours | None = None

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown SLA mode {self.mode!r}")
        if set(self.limits) != set(Stage):
            raise ValueError(f"limits must cover exactly the stages {[s.value for s in Stage]}")
        for table in (self.limits, self.urgent_limits or {}):
            for stage, pair in table.items():
                Stage(stage)
                if any(limit <= timedelta(0) or limit % timedelta(minutes=1) for limit in pair):
                    raise ValueError(f"{stage}: limits must be positive whole minutes")
        if not 0 <= self.at_risk_fraction < 1:
            raise ValueError("at_risk_fraction must be in [0, 1)")
        for weekday, intervals in (self.office_hours or {}).items():
            if weekday not in range(7):
                raise ValueError(f"office_hours: unknown weekday {weekday!r}")
            ordered = sorted(intervals)
            for i, (opens, closes) in enumerate(ordered):
                if opens >= closes or (i and ordered[i - 1][1] > opens):
                    raise ValueError(f"office_hours.{WEEKDAYS[weekday]}: intervals must open before they close "
                                     "and not overlap")
        if self.office_hours is not None and not any(self.office_hours.values()):
            raise ValueError("office_hours: at least one weekday needs office hours")

    def limit(self, stage: str, *, working_day: bool, urgent: bool = False) -> timedelta:
        table = self.urgent_limits if urgent and self.urgent_limits else self.limits
        pair = table.get(Stage(stage)) or self.limits[Stage(stage)]
        return pair[0] if working_day else pair[1]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; limits in minutes."""
        return {
            "version": self.version,
            "mode": self.mode,
            "limits": _limits_to_dict(self.limits),
            "urgent_limits": None if self.urgent_limits is None else _limits_to_dict(self.urgent_limits),
            "at_risk_fraction": self.at_risk_fraction,
            "office_hours": None if self.office_hours is None else _hours_to_dict(self.office_hours),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SlaPolicy:
        urgent = data.get("urgent_limits")
        return cls(
            version=int(data["version"]),
            mode=data["mode"],
            limits=_limits_from_dict(data["limits"]),
            urgent_limits=None if urgent is None else _limits_from_dict(urgent),
            at_risk_fraction=float(data.get("at_risk_fraction", 0.25)),
            office_hours=None if data.get("office_hours") is None else _hours_from_dict(data["office_hours"]),
        )


def _limits_to_dict(limits: Limits) -> dict[str, dict[str, int]]:
    return {
        Stage(stage).value: {"working_day": _minutes(working), "day_off": _minutes(off)}
        for stage, (working, off) in limits.items()
    }


def _limits_from_dict(data: Mapping[str, Mapping[str, int]]) -> dict[str, tuple[timedelta, timedelta]]:
    return {
        Stage(stage): (timedelta(minutes=pair["working_day"]), timedelta(minutes=pair["day_off"]))
        for stage, pair in data.items()
    }


def _hours_to_dict(hours: OfficeHours) -> dict[str, list[list[str]]]:
    return {WEEKDAYS[d]: [[f"{o:%H:%M}", f"{c:%H:%M}"] for o, c in sorted(hours[d])] for d in sorted(hours)}


def _hours_from_dict(data: Mapping[str, Any]) -> dict[int, tuple[tuple[time, time], ...]]:
    """{"mon": [["07:00", "11:00"], ...], ...} -> {0: ((07:00, 11:00), ...), ...}."""
    out = {}
    for name, intervals in data.items():
        if name not in WEEKDAYS:
            raise ValueError(f"office_hours: unknown weekday {name!r} (use {', '.join(WEEKDAYS)})")
        try:
            out[WEEKDAYS.index(name)] = tuple((time.fromisoformat(o), time.fromisoformat(c)) for o, c in intervals)
        except (TypeError, ValueError):
            raise ValueError(f"office_hours.{name}: intervals are [\"HH:MM\", \"HH:MM\"] pairs") from None
    return out


def _minutes(limit: timedelta) -> int:
    return int(limit // timedelta(minutes=1))


def _h(hours: float) -> timedelta:
    return timedelta(hours=hours)


# Used only while no province pack is loaded (a fresh database; a CLI without one): every pack brings its own
# sla.yaml, which `phananh province load` stores as the policy. Plain day-type limits, no urgent table.
FALLBACK_POLICY = SlaPolicy(
    version=1,
    mode="day_type",
    limits={
        Stage.DISTRIBUTE: (_h(2), _h(12)),
        Stage.RETURN: (_h(1), _h(12)),
        Stage.RESPOND: (_h(4), _h(24)),
        Stage.PUBLISH: (_h(2), _h(12)),
    },
)
