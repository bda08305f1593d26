"""A dependency that may go away for a while (Redis): one warning when an outage starts and one line when it ends,
instead of a traceback per request, and no new attempt for a moment after a failure, so that a dependency that
hangs instead of refusing costs one time-out per `pause`, not one per request."""

from __future__ import annotations

import logging
import time


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
