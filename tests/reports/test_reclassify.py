"""A dispatcher moves a report filed under the wrong category (issue 14): an event, statistics move the report to
its new cell, the routing suggestion follows the category, the SLA clocks do not move (both databases)."""

from __future__ import annotations

import pytest

from tests.support import AGENCY, act, report_in_state, submit

WRONG, RIGHT = "dich-benh", "giao-thong"  # a pothole filed under epidemics goes to Sở Y tế and skews every figure


async def _overview(client, headers, category: str) -> dict:
    r = await client.get("/api/v1/stats/overview", headers=headers, params={"category": category})
    assert r.status_code == 200, r.text
    return r.json()


def _durations(ov: dict, stage: str) -> int:
    return (ov.get("durations", {}).get(stage) or {}).get("count", 0)


async def test_reclassify_records_an_event_and_recomputes_the_routing_suggestion(client, tokens):
    dispatcher = await tokens("dispatcher")
    created = await submit(client, category=WRONG, title="Ổ gà trước trường học")
    after = await act(client, created["id"], "reclassify", {"category": RIGHT, "reason": "Ổ gà, không phải dịch bệnh"},
                      headers=dispatcher)
    assert after["category"] == RIGHT and after["status"] == "received"
    events = (await client.get(f"/api/v1/reports/{created['id']}/events", headers=dispatcher)).json()["items"]
    last = events[-1]
    assert last["action"] == "reclassify" and last["from_status"] == last["to_status"] == "received"
    assert last["payload"]["from_category"] == WRONG and last["payload"]["category"] == RIGHT
    assert last["payload"]["reason"] == "Ổ gà, không phải dịch bệnh"
    assert last["payload"]["suggested_agency"] == "so-xay-dung"  # routing for roads, no longer Sở Y tế
    assert last["actor"]["username"] == "dispatcher"
    # The reporter sees the new category, not the dispatcher's reason.
    tracked = (await client.get(f"/api/v1/track/{created['tracking_token']}")).json()
    assert tracked["category"] == RIGHT
    public_event = [e for e in tracked["events"] if e["action"] == "reclassify"][0]
    assert public_event["payload"] == {"category": RIGHT}


async def test_statistics_move_the_report_and_its_past_outcomes_to_the_new_category(client, tokens):
    dispatcher = await tokens("dispatcher")
    created = await report_in_state(client, tokens, "assigned", category=WRONG)  # distribute stopped: counted
    wrong0, right0 = await _overview(client, dispatcher, WRONG), await _overview(client, dispatcher, RIGHT)
    await act(client, created["id"], "reclassify", {"category": RIGHT}, headers=dispatcher)
    wrong1, right1 = await _overview(client, dispatcher, WRONG), await _overview(client, dispatcher, RIGHT)
    assert wrong1["by_status"].get("assigned", 0) == wrong0["by_status"].get("assigned", 0) - 1
    assert right1["by_status"].get("assigned", 0) == right0["by_status"].get("assigned", 0) + 1
    assert _durations(wrong1, "distribute") == _durations(wrong0, "distribute") - 1
    assert _durations(right1, "distribute") == _durations(right0, "distribute") + 1


async def test_reclassify_leaves_the_sla_clocks_as_they_were(client, tokens):
    dispatcher = await tokens("dispatcher")
    created = await report_in_state(client, tokens, "assigned", category=WRONG)
    before = (await client.get(f"/api/v1/reports/{created['id']}", headers=dispatcher)).json()
    after = await act(client, created["id"], "reclassify", {"category": RIGHT}, headers=dispatcher)
    assert [(d["stage"], d["due_at"]) for d in after["deadlines"]] == \
        [(d["stage"], d["due_at"]) for d in before["deadlines"]]
    assert {d["stage"] for d in after["deadlines"]} == {"return", "respond"}


@pytest.mark.parametrize("state", ["received", "returned", "assigned", "in_progress"])
async def test_dispatcher_reclassifies_in_every_open_handling_state(state, client, tokens):
    created = await report_in_state(client, tokens, state, category=WRONG)
    after = await act(client, created["id"], "reclassify", {"category": RIGHT}, headers=await tokens("dispatcher"))
    assert after["category"] == RIGHT and after["status"] == state


@pytest.mark.parametrize("state", ["resolved", "published", "closed", "rejected", "merged"])
async def test_reclassify_is_a_conflict_once_handled_or_ended(state, client, tokens):
    created = await report_in_state(client, tokens, state, category=WRONG)
    r = await client.post(f"/api/v1/reports/{created['id']}/actions/reclassify", json={"category": RIGHT},
                          headers=await tokens("dispatcher"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "invalid_state"


async def test_only_a_dispatcher_reclassifies(client, tokens, citizen_token):
    created = await report_in_state(client, tokens, "assigned", category=WRONG)
    url = f"/api/v1/reports/{created['id']}/actions/reclassify"
    for headers in (await tokens(f"handler.{AGENCY}"), await tokens(f"leader.{AGENCY}"), await tokens("supervisor"),
                    citizen_token, {"X-Tracking-Token": created["tracking_token"]}):
        r = await client.post(url, json={"category": RIGHT}, headers=headers)
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden", r.text
    anonymous = await client.post(url, json={"category": RIGHT})
    assert anonymous.status_code == 401
    view = (await client.get(f"/api/v1/reports/{created['id']}", headers=await tokens("dispatcher"))).json()
    assert view["category"] == WRONG


async def test_an_unknown_or_unchanged_category_is_refused(client, tokens):
    dispatcher = await tokens("dispatcher")
    created = await submit(client, category=WRONG)
    url = f"/api/v1/reports/{created['id']}/actions/reclassify"
    unknown = await client.post(url, json={"category": "khong-co"}, headers=dispatcher)
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "unknown_category"
    assert unknown.json()["error"]["message"] == "Lĩnh vực không tồn tại: khong-co."
    same = await client.post(url, json={"category": WRONG}, headers=dispatcher)
    assert same.status_code == 422 and same.json()["error"]["code"] == "same_category"
    missing = await client.post(url, json={}, headers=dispatcher)
    assert missing.status_code == 422
