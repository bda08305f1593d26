"""A dependency that may go away for a while (Redis): one warning when an outage starts and one line when it ends,
instead of a traceback per request, and no new attempt for a moment after a failure, so that a dependency that
hangs instead of refusing costs one time-out per `pause`, not one per request. `DatabaseOutage`: the same for the
periodic jobs of `phananh worker` while PostgreSQL is stopped or restarting."""

from __future__ import annotations

import logging
import time

from phananh.server.backpressure import database_unreachable


class Outage:
    def __init__(self, what: str, log: logging.Logger, *, pause: float = 1.0, consequence: str = ""):
        self.what, self.log, self.pause, self.consequence = what, log, pause, consequence
        self.down = False
        self._retry_at = 0.0

    def should_try(self) -> bool:
        """False for `pause` seconds after a failure: use the fallback straight away."""
        return not self.down or time.monotonic() >= self._retry_at

    def failed(self, exc: BaseException) -> None:
        self._retry_at = time.monotonic() + self.pause
        if not self.down:
            self.down = True
            reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
            self.log.warning("%s unreachable (%s)%s", self.what, reason,
                             f"; {self.consequence}" if self.consequence else "")

    def recovered(self) -> None:
        if self.down:
            self.down = False
            self.log.warning("%s is back", self.what)


class DatabaseOutage(Outage):
    """One periodic job's view of the database: while it is unreachable, one warning (no traceback per pass) and a
    short backoff instead of the job's interval; one info line when a pass succeeds again. Any other failure keeps
    its traceback on every pass: that one is a bug."""

    FIRST_RETRY, MOST_RETRY = 1.0, 10.0  # seconds

    def __init__(self, job: str, log: logging.Logger):
        super().__init__(f"{job}: database", log, consequence="retrying")
        self.job = job
        self.failures = 0

    def failed_pass(self, exc: Exception) -> None:
        if not database_unreachable(exc):
            self.log.error("%s failed; retrying at the next tick", self.job, exc_info=exc)
            return
        self.failures += 1
        self.failed(exc)

    def recovered(self) -> None:
        self.failures = 0
        if self.down:
            self.down = False
            self.log.info("%s: database reachable again", self.job)

    def next_wait(self, interval: float) -> float:
        """The job's own interval; while the database is unreachable 1, 2, 4, 8 then 10 s instead, so a daily pass
        runs within seconds of the database coming back and a one-second pass does not knock every second."""
        if not self.down:
            return interval
        return min(self.FIRST_RETRY * 2 ** (self.failures - 1), self.MOST_RETRY)
