"""Human report codes: PA-<year>-<6 digits>, derived from the id so no counter row is contended.

Every identifier a client gives (a code, a bare id in a path or a body) is read here or through `ids`:
out of a column's range it names nothing, so callers answer 404 instead of sending it to the database
(SQLite and asyncpg raise OverflowError/DataError past 64 or 32 bits).
"""

import re
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
