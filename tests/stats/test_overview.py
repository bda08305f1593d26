"""The overview a leader reads: figures move with each action, within the viewer's scope."""

from __future__ import annotations

from tests.support import AGENCY, act, report_in_state, submit

OVERVIEW = "/api/v1/stats/overview"


async def overview(client, headers, **params) -> dict:
    r = await client.get(OVERVIEW, params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def test_assigning_a_report_moves_it_from_received_to_assigned(client, tokens):
    headers = await tokens("supervisor")
    before = await overview(client, headers, category="ve-sinh-moi-truong")
    created = await submit(client, category="ve-sinh-moi-truong")
    mid = await overview(client, headers, category="ve-sinh-moi-truong")
    assert mid["totals"]["received"] == before["totals"]["received"] + 1
    assert mid["by_status"]["received"] == before["by_status"]["received"] + 1
    await act(client, created["id"], "assign", {"agency": AGENCY}, headers=await tokens("dispatcher"))
    after = await overview(client, headers, category="ve-sinh-moi-truong")
    assert after["by_status"]["received"] == before["by_status"]["received"]
    assert after["by_status"]["assigned"] == before["by_status"]["assigned"] + 1
    assert after["totals"]["received"] == mid["totals"]["received"]


async def test_publishing_counts_stage_outcomes_and_rating(client, tokens):
    headers = await tokens("dispatcher")
    before = await overview(client, headers, category="cap-thoat-nuoc")
    created = await report_in_state(client, tokens, "published", category="cap-thoat-nuoc")
    await act(client, created["id"], "rate", {"score": 4, "comment": "Xử lý nhanh, cảm ơn"},
              headers={"X-Tracking-Token": created["tracking_token"]})
    after = await overview(client, headers, category="cap-thoat-nuoc")
    for stage in ("distribute", "respond", "publish"):
        b, a = before["on_time"]["by_stage"][stage], after["on_time"]["by_stage"][stage]
        assert a["on_time"] + a["late"] == b["on_time"] + b["late"] + 1, stage
    assert after["satisfaction"]["distribution"]["4"] == before["satisfaction"]["distribution"]["4"] + 1
    assert after["durations"]["distribute"]["count"] == before["durations"]["distribute"]["count"] + 1
    assert after["by_status"]["published"] == before["by_status"]["published"] + 1


async def test_public_sees_counts_without_agency_detail_or_overdue_list(client):
    r = await client.get("/api/v1/stats/public")
    assert r.status_code == 200
    body = r.json()
    assert "by_status" in body and "satisfaction" in body
    assert "by_agency" not in body and "now" not in body


async def test_citizen_and_anonymous_cannot_read_the_overview(client):
    assert (await client.get(OVERVIEW)).status_code == 401


async def test_a_period_off_the_calendars_end_is_a_clear_422_not_a_server_error(client, tokens):
    """Schemathesis found `to=0001-01-11` (the default start, 30 days earlier, is before year 1) gave a 500."""
    headers = await tokens("dispatcher")
    for path, params in (("/api/v1/stats/map", {"to": "0001-01-11"}),
                         ("/api/v1/stats/overview", {"from": "9999-12-01", "to": "9999-12-31"}),
                         ("/api/v1/stats/map", {"from": "1999-12-31"})):
        r = await client.get(path, params={**params, "lang": "vi"}, headers=headers)
        assert r.status_code == 422, (path, params, r.text)
        error = r.json()["error"]
        assert error["code"] == "invalid_period"
        assert error["message"] == "Kỳ báo cáo không hợp lệ: ngày phải nằm trong khoảng từ 2000-01-01 đến 2099-12-31."
