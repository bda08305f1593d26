"""What follows from an event, inside the same transaction (Dispatch's flows.py).

Each domain that reacts to the lifecycle registers here; the reports service calls `on_event` once per event.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from phananh.batch import Ref, Step
from phananh.notifications import flows as notifications
from phananh.stats import flows as stats


async def on_event(conn: AsyncConnection, *, event: dict, report: dict) -> None:
    """`event`: the event row just appended (with its id); `report`: the report row after the action."""
    await stats.on_event(conn, event=event, report=report)
    await notifications.on_event(conn, event=event, report=report)


def new_report_writes(*, event: dict, report: dict, report_id: Ref) -> list[Step]:
    """What follows from a submit, planned without reading anything, so that it goes out with the report itself
    in one statement (`reports.service.submit_report`). A submit notifies nobody: only the counters move."""
    assert event["action"] == "submit" and not notifications.reacts_to("submit")
    return stats.new_report_writes(event=event, report=report, report_id=report_id)
