"""Every action × state × role: forbidden roles get 403, forbidden states 409, and nothing is written.

The expectations below are written from ARCHITECTURE §3 directly, not derived from the workflow module.
"""

import pytest
from sqlalchemy import func, select

from phananh.reports.tables import events, reports
from tests.support import AGENCY, OTHER_AGENCY, report_in_state, submit

ALL = {"received", "assigned", "returned", "in_progress", "resolved", "published", "closed", "rejected", "merged"}
OPEN = ALL - {"closed", "rejected", "merged"}
SPEC = {
    "assign": ({"received", "returned"}, {"dispatcher"}),
    "reject": ({"received", "returned"}, {"dispatcher"}),
    "merge": ({"received", "returned"}, {"dispatcher"}),
    "return": ({"assigned"}, {"handler", "leader"}),
    "respond": ({"assigned"}, {"handler", "leader"}),
    "resolve": ({"assigned", "in_progress"}, {"handler", "leader"}),
    "rework": ({"resolved"}, {"dispatcher"}),
    "publish": ({"resolved"}, {"dispatcher"}),
    "rate": ({"published"}, {"reporter"}),
    "reopen": ({"published"}, {"dispatcher"}),
    "close": ({"published"}, {"dispatcher"}),
    "flag_urgent": (OPEN, {"dispatcher"}),
    "unflag_urgent": (OPEN, {"dispatcher"}),
    "log_contact": (OPEN, {"dispatcher"}),
    "delegate": ({"assigned", "in_progress"}, {"leader"}),
    "comment": (ALL, {"dispatcher", "handler", "leader", "reporter"}),
    "make_public": ({"received", "assigned", "in_progress"}, {"dispatcher"}),
    "redact": (ALL - {"merged"}, {"dispatcher"}),
    "reclassify": ({"received", "returned", "assigned", "in_progress"}, {"dispatcher"}),
}
# States in which the report is held by AGENCY (its staff act as "the assigned agency").
HELD_BY_AGENCY = {"assigned", "in_progress", "resolved", "published", "closed"}
ROLES = ["anonymous", "reporter", "other_citizen", "dispatcher", "handler", "leader", "other_handler",
         "supervisor", "admin"]


def body_for(action: str, merge_target: int) -> dict:
    return {
        "assign": {"agency": OTHER_AGENCY, "note": "Giao lại"},
        "reject": {"reason": "Ngoài phạm vi"},
        "merge": {"into": merge_target},
        "return": {"reason": "Sai thẩm quyền"},
        "respond": {"message": "Đã tiếp nhận"},
        "resolve": {"result": "Đã xử lý"},
        "rework": {"reason": "Chưa đạt"},
        "publish": {},
        "rate": {"score": 4, "comment": "Tốt"},
        "reopen": {"reason": "Tái diễn"},
        "close": {},
        "flag_urgent": {},
        "unflag_urgent": {},
        "log_contact": {"contact": "Giám đốc Sở", "channel": "phone", "outcome": "Đã báo"},
        "delegate": {"user": f"handler.{AGENCY}"},
        "comment": {"text": "Ý kiến", "public": True},
        "make_public": {},
        "redact": {"public_description": "Nội dung đã biên tập"},
        "reclassify": {"category": "dich-benh", "reason": "Sai lĩnh vực"},
    }[action]


def expected(action: str, state: str, role: str) -> int:
    states, roles = SPEC[action]
    role_ok = role in roles and (role not in ("handler", "leader") or state in HELD_BY_AGENCY)
    if not role_ok:
        return 401 if role == "anonymous" else 403
    return 200 if state in states else 409


@pytest.fixture(scope="module")
async def role_headers(tokens, citizen_token):
    return {
        "anonymous": {},
        "other_citizen": citizen_token,
        "dispatcher": await tokens("dispatcher"),
        "handler": await tokens(f"handler.{AGENCY}"),
        "leader": await tokens(f"leader.{AGENCY}"),
        "other_handler": await tokens(f"handler.{OTHER_AGENCY}"),
        "supervisor": await tokens("supervisor"),
        "admin": await tokens("admin"),
    }


async def _written(engine, report_id: int) -> tuple[int, int]:
    async with engine.connect() as conn:
        n = (await conn.execute(select(func.count()).select_from(events).where(events.c.report_id == report_id))).scalar()
        v = (await conn.execute(select(reports.c.version).where(reports.c.id == report_id))).scalar()
    return n, v


@pytest.mark.parametrize("state", sorted(ALL))
async def test_action_state_role_matrix(state, client, tokens, engine, role_headers):
    probe = await report_in_state(client, tokens, state)
    merge_target = (await submit(client))["id"]
    before = await _written(engine, probe["id"])
    checked = 0
    for action in SPEC:
        for role in ROLES:
            want = expected(action, state, role)
            headers = dict(role_headers.get(role, {}))
            if role == "reporter":
                headers["X-Tracking-Token"] = probe["tracking_token"]
            if want == 200:
                # Allowed: a fresh report in the same state takes the action, so the probe stays as it is.
                fresh = await report_in_state(client, tokens, state)
                if role == "reporter":
                    headers["X-Tracking-Token"] = fresh["tracking_token"]
                r = await client.post(f"/api/v1/reports/{fresh['id']}/actions/{action}",
                                      json=body_for(action, merge_target), headers=headers)
                assert r.status_code == 200, (action, state, role, r.text)
                continue
            r = await client.post(f"/api/v1/reports/{probe['id']}/actions/{action}",
                                  json=body_for(action, merge_target), headers=headers)
            assert r.status_code == want, (action, state, role, r.status_code, r.text)
            assert r.json()["error"]["code"] in ("forbidden", "invalid_state", "unauthorized")
            checked += 1
    assert await _written(engine, probe["id"]) == before, "a refused action wrote something"
    assert checked > 100


async def test_unknown_action_is_404(client, tokens):
    created = await submit(client)
    r = await client.post(f"/api/v1/reports/{created['id']}/actions/teleport", json={},
                          headers=await tokens("dispatcher"))
    assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_action"
