"""One report walked through every state, with the event log checked row by row."""

from tests.support import AGENCY, OTHER_AGENCY, act, submit


async def test_report_walks_every_state_and_the_event_log_records_each_step(client, tokens):
    dispatcher = await tokens("dispatcher")
    handler = await tokens(f"handler.{AGENCY}")
    leader = await tokens(f"leader.{AGENCY}")
    other_handler = await tokens(f"handler.{OTHER_AGENCY}")

    created = await submit(client, urgent_hint=True)
    rid, token = created["id"], created["tracking_token"]
    assert created["status"] == "received"
    assert created["code"].startswith("PA-") and created["code"].endswith(f"{rid:06d}")
    assert [d["stage"] for d in created["deadlines"]] == ["distribute"]

    r = await act(client, rid, "flag_urgent", {}, dispatcher)
    assert r["urgent"] is True
    await act(client, rid, "log_contact", {"contact": "Giám đốc Sở Y tế", "channel": "phone",
                                          "outcome": "Đã báo, cử người xuống ngay"}, dispatcher)
    r = await act(client, rid, "assign", {"agency": OTHER_AGENCY, "note": "Giao Sở Y tế"}, dispatcher)
    assert r["status"] == "assigned" and r["agency"] == OTHER_AGENCY
    assert sorted(d["stage"] for d in r["deadlines"]) == ["respond", "return"]
    r = await act(client, rid, "return", {"reason": "Không thuộc thẩm quyền"}, other_handler)
    assert r["status"] == "returned"
    r = await act(client, rid, "assign", {"agency": AGENCY}, dispatcher)
    assert r["agency"] == AGENCY
    r = await act(client, rid, "delegate", {"user": f"handler.{AGENCY}"}, leader)
    assert r["handler"] == f"handler.{AGENCY}"
    r = await act(client, rid, "respond", {"message": "Đã tiếp nhận, sẽ kiểm tra trong ngày"}, handler)
    assert r["status"] == "in_progress" and r["public_response"] == "Đã tiếp nhận, sẽ kiểm tra trong ngày"
    await act(client, rid, "comment", {"text": "Ghi chú nội bộ", "public": False}, handler)
    r = await act(client, rid, "resolve", {"result": "Đã vá ổ gà"}, handler)
    assert r["status"] == "resolved" and [d["stage"] for d in r["deadlines"]] == ["publish"]
    r = await act(client, rid, "rework", {"reason": "Chưa có ảnh hiện trường"}, dispatcher)
    assert r["status"] == "in_progress"
    await act(client, rid, "resolve", {"result": "Đã vá ổ gà, có ảnh"}, handler)
    r = await act(client, rid, "publish", {"public_text": "Sở Xây dựng đã vá ổ gà ngày 02/12."}, dispatcher)
    assert r["status"] == "published" and r["result"] == "Sở Xây dựng đã vá ổ gà ngày 02/12." and r["deadlines"] == []
    r = await client.post(f"/api/v1/reports/{rid}/actions/rate", json={"score": 5, "comment": "Cảm ơn"},
                          headers={"X-Tracking-Token": token})
    assert r.status_code == 200, r.text
    assert r.json()["rating"] == {"score": 5, "comment": "Cảm ơn"}
    r = await act(client, rid, "reopen", {"reason": "Ổ gà xuất hiện lại"}, dispatcher)
    assert r["status"] == "assigned" and [d["stage"] for d in r["deadlines"]] == ["respond"]
    await act(client, rid, "resolve", {"result": "Đã vá lại"}, handler)
    await act(client, rid, "publish", {}, dispatcher)
    r = await act(client, rid, "close", {}, dispatcher)
    assert r["status"] == "closed"

    events = (await client.get(f"/api/v1/reports/{rid}/events", headers=dispatcher)).json()
    rows = [(e["action"], e["from_status"], e["to_status"], e["actor"]["role"], e["actor"]["username"])
            for e in events["items"]]
    assert rows == [
        ("submit", None, "received", "anonymous", None),
        ("flag_urgent", "received", "received", "dispatcher", "dispatcher"),
        ("log_contact", "received", "received", "dispatcher", "dispatcher"),
        ("assign", "received", "assigned", "dispatcher", "dispatcher"),
        ("return", "assigned", "returned", "handler", f"handler.{OTHER_AGENCY}"),
        ("assign", "returned", "assigned", "dispatcher", "dispatcher"),
        ("delegate", "assigned", "assigned", "agency_leader", f"leader.{AGENCY}"),
        ("respond", "assigned", "in_progress", "handler", f"handler.{AGENCY}"),
        ("comment", "in_progress", "in_progress", "handler", f"handler.{AGENCY}"),
        ("resolve", "in_progress", "resolved", "handler", f"handler.{AGENCY}"),
        ("rework", "resolved", "in_progress", "dispatcher", "dispatcher"),
        ("resolve", "in_progress", "resolved", "handler", f"handler.{AGENCY}"),
        ("publish", "resolved", "published", "dispatcher", "dispatcher"),
        ("rate", "published", "published", "citizen", None),
        ("reopen", "published", "assigned", "dispatcher", "dispatcher"),
        ("resolve", "assigned", "resolved", "handler", f"handler.{AGENCY}"),
        ("publish", "resolved", "published", "dispatcher", "dispatcher"),
        ("close", "published", "closed", "dispatcher", "dispatcher"),
    ]
    payloads = [e["payload"] for e in events["items"]]
    assert payloads[3] == {"agency": OTHER_AGENCY, "note": "Giao Sở Y tế"}
    assert payloads[4] == {"reason": "Không thuộc thẩm quyền"}
    assert payloads[13] == {"score": 5, "comment": "Cảm ơn"}
    assert events["total"] == 18

    # The public timeline of the same report keeps the steps a citizen may see, and no internal notes.
    public = (await client.get(f"/api/v1/track/{token}")).json()
    actions = [e["action"] for e in public["events"]]
    assert "comment" not in actions and "log_contact" not in actions and "return" not in actions
    assert actions[0] == "submit" and actions[-1] == "close"
    assert all("note" not in e["payload"] for e in public["events"])


async def test_reject_and_merge_end_a_report(client, tokens):
    dispatcher = await tokens("dispatcher")
    a = await submit(client)
    r = await act(client, a["id"], "reject", {"reason": "Nội dung tố cáo, đề nghị gửi theo kênh tố cáo"}, dispatcher)
    assert r["status"] == "rejected" and r["reject_reason"].startswith("Nội dung tố cáo")
    target, dup = await submit(client), await submit(client)
    r = await act(client, dup["id"], "merge", {"into": target["id"]}, dispatcher)
    assert r["status"] == "merged" and r["merged_into"] == target["id"]
    # by code too
    dup2 = await submit(client)
    r = await act(client, dup2["id"], "merge", {"into": target["code"]}, dispatcher)
    assert r["merged_into"] == target["id"]
