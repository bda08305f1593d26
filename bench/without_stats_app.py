"""Diagnostic only: our app with the statistics hooks (`stats.flows.on_event`, `new_report_writes`) switched off, so that `make bench`
can say how much of the gap to the floor the in-transaction statistics counters make. Never deployed."""

from phananh.app import create_app
from phananh.server.runtime import tune_garbage_collector
from phananh.stats import flows as stats_flows


async def _no_statistics(conn, *, event, report, sla) -> None:
    return None


def _no_counter_writes(*, event, report, report_id) -> list:
    return []


stats_flows.on_event = _no_statistics
stats_flows.new_report_writes = _no_counter_writes
app = create_app()
tune_garbage_collector()
