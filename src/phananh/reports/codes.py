"""Human report codes: PA-<year>-<6 digits>, derived from the id so no counter row is contended.

Every identifier a client gives (a code, a bare id in a path or a body) is read here or through `ids`:
out of a column's range it names nothing, so callers answer 404 instead of sending it to the database
(SQLite and asyncpg raise OverflowError/DataError past 64 or 32 bits).
"""

import re
import secrets
from datetime import datetime

from phananh.sla.calendar import TZ

BIGINT_MAX = 2**63 - 1  # reports, events, media, notifications, exports (BIGINT on PostgreSQL)
INT_MAX = 2**31 - 1  # users, agencies, areas, categories, API keys (INTEGER)

_CODE = re.compile(r"^PA-(\d{4})-(\d{6,})$", re.IGNORECASE)


def report_code(report_id: int, created_at: datetime) -> str:
    return f"PA-{created_at.astimezone(TZ).year}-{report_id:06d}"


def parse_id(text: str, *, max_value: int = BIGINT_MAX) -> int | None:
    """A positive decimal id in range (ASCII digits only), else None."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(max_value)):
        return None
    value = int(text)
    return value if 1 <= value <= max_value else None


def id_from_code(code: str) -> int | None:
    """The report id in a code such as PA-2026-000123, or None when it is no code or names no possible id."""
    m = _CODE.match(code.strip())
    return parse_id(m.group(2)) if m else None


# ---- tracking codes (issue 14): what an anonymous reporter keeps to follow their report ----
# 31 symbols, none of them confusable (no 0/O, 1/I/L); 12 of them carry 59 bits, drawn by `secrets`.
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_LENGTH = 12
_BASE = len(TRACKING_ALPHABET)
_TRACKING_SPACE = _BASE**TRACKING_LENGTH
_TRACKING_SEPARATORS = str.maketrans("", "", "- \t\u00a0\u2010\u2011\u2012\u2013\u2014")


def new_tracking_token() -> str:
    """A fresh tracking code, stored as is (upper case, no dashes) and shown grouped (`display_token`)."""
    # One draw of a number below 31**12, written in base 31: the same uniform choice as twelve `secrets.choice`
    # calls, at a twelfth of their cost (issue 13: it runs on every submit).
    n = secrets.randbelow(_TRACKING_SPACE)
    symbols = []
    for _ in range(TRACKING_LENGTH):
        n, digit = divmod(n, _BASE)
        symbols.append(TRACKING_ALPHABET[digit])
    return "".join(symbols)


def display_token(token: str) -> str:
    """A tracking code as people read it, `7KQ4-M2XD-9PRT`; a pre-issue-14 token (24 characters) unchanged."""
    if len(token) != TRACKING_LENGTH or not set(token) <= _TRACKING_SET:
        return token
    return "-".join(token[i:i + 4] for i in range(0, TRACKING_LENGTH, 4))


def token_candidates(text: str | None) -> list[str]:
    """The stored tokens a typed tracking code may name: as given (old tokens are case-sensitive base64url), and
    normalised (upper case, dashes and spaces removed) for the new ones. Empty when it can name none."""
    if not text:
        return []
    given = text.strip()
    if not given or len(given) > 64 or not (given.isascii() and given.isprintable()):
        return []
    normalised = given.translate(_TRACKING_SEPARATORS).upper()
    out = [given]
    if normalised != given and len(normalised) == TRACKING_LENGTH:
        out.append(normalised)
    return out


def token_matches(given: str | None, stored: str | None) -> bool:
    """Whether a typed tracking code names this stored token (constant time in the stored token)."""
    if not given or not stored:
        return False
    stored_b = stored.encode()
    found = False
    for candidate in token_candidates(given):
        found |= secrets.compare_digest(candidate.encode(), stored_b)
    return found


_TRACKING_SET = frozenset(TRACKING_ALPHABET)
