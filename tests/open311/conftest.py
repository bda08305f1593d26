"""Open311 fixtures: a partner key issued through the admin API, and helpers that speak GeoReport."""

from __future__ import annotations

import itertools
from xml.etree import ElementTree as ET

import pytest

from tests.support import partner_api_key

BASE = "/open311/v2"
_n = itertools.count(1)


@pytest.fixture(scope="session")
async def partner_key(client, tokens) -> str:
    return await partner_api_key(client, tokens, "FixMyStreet Cà Mau", "tests")


def request_form(**overrides) -> dict:
    n = next(_n)
    form = {
        "service_code": "giao-thong",
        "lat": "9.1769", "long": "105.1524",
        "address_string": "Đường Lý Thường Kiệt, phường An Xuyên",
        "description": f"Ổ gà lớn giữa đường, xe máy dễ té ngã (Open311 #{n})",
        "attribute[muc-do]": "cao",
        "first_name": "Thị Mười", "last_name": "Trần",
        "email": "muoi.tran@example.vn", "phone": "0987654321",
        "device_id": f"device-{n}", "account_id": f"acct-{n}",
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


async def post_request(client, key: str, fmt: str = "json", expect: int = 200, **overrides):
    r = await client.post(f"{BASE}/requests.{fmt}", data={"api_key": key, **request_form(**overrides)})
    assert r.status_code == expect, r.text
    if fmt == "json":
        return r.json()
    return ET.fromstring(r.content)


async def get_request(client, request_id: str, **params) -> dict:
    r = await client.get(f"{BASE}/requests/{request_id}.json", params=params)
    assert r.status_code == 200, r.text
    items = r.json()
    assert len(items) == 1
    return items[0]
