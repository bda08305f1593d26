"""Secrets stay out of the logs: an API key (or a tracking token) given in a query string is redacted from
every log record, whoever logs it — uvicorn's access log prints each request's path with its query string.

Partners should send their key in the `X-Api-Key` header, which is never logged; a key in `?api_key=` still
works (Open311 clients do that) and appears in our logs as `api_key=[redacted]`.
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Mapping

SECRET_PARAMS = ("api_key", "tracking_token", "access_token")
_SECRET = re.compile(r"((?:^|[?&;\s\"'])(?:" + "|".join(SECRET_PARAMS) + r")(?:=|%3D))[^&;\s\"']*", re.IGNORECASE)
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """`text` with the value of every secret query parameter replaced by [redacted]."""
    return _SECRET.sub(r"\1" + REDACTED, text) if "=" in text or "%3" in text else text


def _clean(value):
    if isinstance(value, str):
        return redact(value)
    if value is None or isinstance(value, (int, float, bool)):
        return value
    text = str(value)  # e.g. a URL object: redacted as text only when it holds a secret
    cleaned = redact(text)
    return cleaned if cleaned != text else value


def redact_record(record: logging.LogRecord) -> None:
    if isinstance(record.msg, str):
        record.msg = redact(record.msg)
    if isinstance(record.args, Mapping):
        record.args = {k: _clean(v) for k, v in record.args.items()}
    elif isinstance(record.args, tuple):
        record.args = tuple(_clean(a) for a in record.args)


class RedactSecrets(logging.Filter):
    """A handler filter (uvicorn's log config, in every server worker process)."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


_installed = False


def install_redaction() -> None:
    """Redact every record this process makes, from any logger (a record factory: no handler can miss it)."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        redact_record(record)
        return record

    logging.setLogRecordFactory(factory)
    _installed = True


def _uvicorn_config() -> dict:
    from uvicorn.config import LOGGING_CONFIG as UVICORN

    config = copy.deepcopy(UVICORN)
    config.setdefault("filters", {})["redact_secrets"] = {"()": "phananh.logs.RedactSecrets"}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("redact_secrets")
    return config


LOGGING_CONFIG = _uvicorn_config()
