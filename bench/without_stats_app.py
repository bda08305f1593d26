"""Diagnostic only: our app with the statistics hook (`stats.flows.on_event`) switched off, so that `make bench`
can say how much of the gap to the floor the in-transaction statistics counters make. Never deployed."""

from phananh.app import create_app
from phananh.stats import flows as stats_flows


async def _no_statistics(conn, *, event, report) -> None:
    return None


stats_flows.on_event = _no_statistics
app = create_app()
