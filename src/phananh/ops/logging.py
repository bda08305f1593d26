"""Structured logs (issue 13 part 8): one JSON object per line when `log_format=json`, each carrying the id of
the request it was written for.

The request id comes from the client's `X-Request-Id` when it is sane (1-64 letters, digits, `.`, `_`, `:`,
`-`), else it is made here; it is echoed in the answer's `X-Request-Id` header and kept in a context variable, so
every line logged while serving the request (including its after-commit work: live publish, jobs started in the
process) carries it.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import datetime, timezone

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_SANE = re.compile(rb"^[A-Za-z0-9._:-]{1,64}$")
HEADER = b"x-request-id"
# LogRecord attributes that are not "extra" fields.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


class RequestId:
    """Pure ASGI middleware: the request's id in the context variable and in the answer's header."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        given = next((v for k, v in scope["headers"] if k == HEADER), None)
        rid = given.decode("ascii") if given is not None and _SANE.match(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        header = (HEADER, rid.encode("ascii"))

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)


class JsonFormatter(logging.Formatter):
    """`{"time", "level", "logger", "message", "request_id"?, "exc_info"?, ...extra fields}` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None) or request_id.get()
        if rid:
            line["request_id"] = rid
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in line:
                line[key] = value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
        if record.exc_info:
            line["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "phananh")


def configure(log_format: str) -> None:
    """`json`: every handler of the root, uvicorn's and phananh's loggers writes JSON lines (a root handler on
    stderr is added when none exists). `text`: left as configured."""
    if log_format != "json":
        return
    formatter = JsonFormatter()
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
        if root.level > logging.INFO:
            root.setLevel(logging.INFO)
    for name in LOGGERS:
        for handler in logging.getLogger(name).handlers:
            handler.setFormatter(formatter)
