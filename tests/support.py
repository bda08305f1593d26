"""Helpers for API tests: submit a report and bring it to a given state through the API."""

from __future__ import annotations

import itertools

_counter = itertools.count(1)

AGENCY = "so-xay-dung"  # where the tests route reports
OTHER_AGENCY = "so-y-te"


def report_body(**overrides) -> dict:
    n = next(_counter)
    body = {
        "category": "giao-thong",
        "title": f"Ổ gà trên đường Lý Thường Kiệt #{n}",
        "description": "Mặt đường có ổ gà lớn gây nguy hiểm cho người đi xe máy vào ban đêm.",
        "location": {"lat": 9.1769, "lon": 105.1524},
        "address": "Đường Lý Thường Kiệt, phường An Xuyên",
        "reporter": {"name": "Nguyễn Văn Bảy", "phone": "0912345678", "email": "bay.nguyen@example.vn"},
        "anonymous": False,
        "share_identity_with_agency": False,
        "consent": True,
        "urgent_hint": False,
        "language": "vi",
    }
    body.update(overrides)
    return body


async def submit(client, headers=None, **overrides) -> dict:
    r = await client.post("/api/v1/reports", json=report_body(**overrides), headers=headers or {})
    assert r.status_code == 201, r.text
    return r.json()


async def act(client, report_id, action, body=None, headers=None, expect=200):
    r = await client.post(f"/api/v1/reports/{report_id}/actions/{action}", json=body or {}, headers=headers or {})
    assert r.status_code == expect, f"{action}: {r.status_code} {r.text}"
    return r.json()


async def partner_api_key(client, tokens, partner: str, note: str | None = None) -> str:
    """A new Open311 partner API key, issued by the admin through the API: the key itself."""
    r = await client.post("/api/v1/admin/api-keys", json={"partner": partner, "note": note},
                          headers=await tokens("admin"))
    assert r.status_code == 201, r.text
    return r.json()["key"]


# The shortest path from a fresh report to each state: (action, actor, body).
PATHS = {
    "received": [],
    "assigned": [("assign", "dispatcher", {"agency": AGENCY})],
    "returned": [("assign", "dispatcher", {"agency": AGENCY}), ("return", f"handler.{AGENCY}", {"reason": "Sai thẩm quyền"})],
    "in_progress": [("assign", "dispatcher", {"agency": AGENCY}), ("respond", f"handler.{AGENCY}", {"message": "Đã tiếp nhận"})],
    "resolved": [("assign", "dispatcher", {"agency": AGENCY}), ("resolve", f"handler.{AGENCY}", {"result": "Đã vá ổ gà"})],
    "published": [("assign", "dispatcher", {"agency": AGENCY}), ("resolve", f"handler.{AGENCY}", {"result": "Đã vá ổ gà"}),
                  ("publish", "dispatcher", {})],
    "closed": [("assign", "dispatcher", {"agency": AGENCY}), ("resolve", f"handler.{AGENCY}", {"result": "Đã vá ổ gà"}),
               ("publish", "dispatcher", {}), ("close", "dispatcher", {})],
    "rejected": [("reject", "dispatcher", {"reason": "Nội dung khiếu nại, không thuộc phạm vi"})],
    "merged": [("merge", "dispatcher", None)],
}


async def report_in_state(client, tokens, state: str, **overrides) -> dict:
    """A fresh report brought to `state` through the API; returns the submit answer (id, tracking_token...)."""
    created = await submit(client, **overrides)
    for action, user, body in PATHS[state]:
        if action == "merge":
            target = await submit(client)
            body = {"into": target["id"]}
        await act(client, created["id"], action, body, headers=await tokens(user))
    return created
