"""The domain's refusals: what is wrong, as a stable code and an English msgid, never an HTTP status.

Services raise these; each edge maps them to its own answer: REST to a status and the JSON error body
(`phananh.errors.http_status` and its exception handler), the web forms and consoles to a Vietnamese message next
to the field or in a flash, Open311 to its own error document. `phananh.errors.ApiError` is the edge's own error
(a status chosen by a route) and is a DomainError too, so that one `except DomainError` catches both.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """`message` is an English msgid with `{name}` placeholders filled from `params`, translated on the way out;
    `details` is machine-readable (e.g. {"field": "category"}: which field a form shows the message next to)."""

    headers: dict[str, str] | None = None

    def __init__(self, code: str, message: str, /, details: Any = None, **params):
        super().__init__(message)
        self.code, self.message, self.details, self.params = code, message, details, params

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r})"


class InvalidInput(DomainError):
    """The request is well-formed but breaks a rule: an unknown or out-of-scope category, no consent..."""


class NotFound(DomainError):
    """What the request names does not exist (or is not the caller's to see)."""


class Conflict(DomainError):
    """The request is fine but the state of things does not allow it now: a report's state, a race, a repeat."""


class Forbidden(DomainError):
    """The caller is known and may not do this."""


class NotSignedIn(DomainError):
    """Nobody is signed in, and this needs someone to be."""


def not_found(what: str = "report") -> NotFound:
    return NotFound("not_found", "Not found: {what}", what=what)


def invalid_fields(exc) -> InvalidInput:
    """InvalidInput from a Pydantic ValidationError: `details` lists what is wrong, field by field."""
    errors = [{"loc": [str(p) for p in e.get("loc", ())], "type": e.get("type"), "msg": e.get("msg")}
              for e in exc.errors()]
    return InvalidInput("validation_error", "Some fields are missing or invalid.", details=errors)
