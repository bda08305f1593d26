"""A citizen's submit, checked beyond the schema (issue 14 part 3): a real description, a Vietnamese phone.

Staff entering a caller's report (hotline) and Open311 partners (their own contract) are not held to these.
"""

from __future__ import annotations

import re

from phananh.domain_errors import InvalidInput

MIN_DESCRIPTION_CHARS = 10  # "x" or "abc" tells an agency nothing; "Cây đổ chắn đường" is enough
CHECKED_CHANNELS = frozenset({"api", "app", "web"})
# 0 and nine digits, or +84 and nine digits; another country's number in the international form (+ and 8-15 digits).
_VN_PHONE = re.compile(r"^(0[0-9]{9}|\+84[0-9]{9})$")
_FOREIGN_PHONE = re.compile(r"^\+(?!84)[1-9][0-9]{7,14}$")


def phone_ok(phone: str) -> bool:
    digits = re.sub(r"[\s.\-()]", "", phone)
    return bool(_VN_PHONE.match(digits) or _FOREIGN_PHONE.match(digits))


def check_citizen_submit(data, *, channel: str, is_staff: bool) -> None:
    """422 with the field's name when the description is too short or the phone is not a phone number."""
    if is_staff or channel not in CHECKED_CHANNELS:
        return
    if len(data.description.strip()) < MIN_DESCRIPTION_CHARS:
        raise InvalidInput("description_too_short",
                           "Describe what you see in at least {min} characters.",
                           details={"field": "description", "min": MIN_DESCRIPTION_CHARS}, min=MIN_DESCRIPTION_CHARS)
    phone = data.reporter.phone if data.reporter and not data.anonymous else None
    if phone and not phone_ok(phone):
        raise InvalidInput("invalid_phone",
                           "Enter a phone number like 0912345678 (10 digits from 0) or +84912345678.",
                           details={"field": "reporter.phone"})
