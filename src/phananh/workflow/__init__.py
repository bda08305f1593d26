"""The report lifecycle of ARCHITECTURE §3 as a pure state machine (no I/O)."""

from phananh.workflow.machine import (
    ACTIONS,
    OPEN_STATES,
    TERMINAL_STATES,
    Action,
    Actor,
    ForbiddenAction,
    InvalidState,
    Role,
    Status,
    decide,
)

__all__ = [
    "ACTIONS",
    "OPEN_STATES",
    "TERMINAL_STATES",
    "Action",
    "Actor",
    "ForbiddenAction",
    "InvalidState",
    "Role",
    "Status",
    "decide",
]
