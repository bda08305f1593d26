"""Shared helpers for the SLA tests."""

from dataclasses import replace
from datetime import datetime

from phananh.provinces import PACKS_DIR
from phananh.provinces.schema import read_pack
from phananh.sla import TZ, SlaPolicy

# Cà Mau's policy as its province pack states it (sla.yaml); the code holds no province's limits.
CA_MAU_PACK = SlaPolicy.from_dict({**read_pack(PACKS_DIR / "ca-mau").sla.policy_data(), "version": 1})
DAY_TYPE = CA_MAU_PACK
OFFICE_HOURS = replace(CA_MAU_PACK, mode="office_hours")


def local(text: str) -> datetime:
    """'2026-12-02 09:15' in Asia/Ho_Chi_Minh."""
    return datetime.fromisoformat(text).replace(tzinfo=TZ)
