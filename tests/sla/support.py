"""Shared helpers for the SLA tests."""

from dataclasses import replace
from datetime import datetime

from phananh.sla import CA_MAU_DEFAULT, TZ

DAY_TYPE = CA_MAU_DEFAULT
OFFICE_HOURS = replace(CA_MAU_DEFAULT, mode="office_hours")


def local(text: str) -> datetime:
    """'2026-12-02 09:15' in Asia/Ho_Chi_Minh."""
    return datetime.fromisoformat(text).replace(tzinfo=TZ)
