"""The report lifecycle of ARCHITECTURE §3 as a pure state machine (no I/O)."""

from phananh.workflow.machine import (
    ACTIONS,
    EVENT_KINDS,
    OPEN_STATES,
    TERMINAL_STATES,
    Action,
    ActionRule,
    Actor,
    ForbiddenAction,
    InvalidState,
    Role,
    Status,
    SystemEvent,
    decide,
)

__all__ = [
    "ACTIONS",
    "EVENT_KINDS",
    "OPEN_STATES",
    "TERMINAL_STATES",
    "Action",
    "ActionRule",
    "Actor",
    "ForbiddenAction",
    "InvalidState",
    "Role",
    "Status",
    "SystemEvent",
    "decide",
]
