"""Human report codes: PA-<year>-<6 digits>, derived from the id so no counter row is contended."""

import re
from datetime import datetime

from phananh.sla.calendar import TZ

_CODE = re.compile(r"^PA-(\d{4})-(\d{6,})$", re.IGNORECASE)


def report_code(report_id: int, created_at: datetime) -> str:
    return f"PA-{created_at.astimezone(TZ).year}-{report_id:06d}"


def id_from_code(code: str) -> int | None:
    m = _CODE.match(code.strip())
    return int(m.group(2)) if m else None
