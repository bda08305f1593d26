"""The citizen's rights over their data (Law 91/2025/QH15): download it, erase their identity, see who read it;
and the retention pass. On SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import json
import random
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from phananh.notifications.tables import notifications
from phananh.privacy.scheduled import anonymise_expired
from phananh.privacy.service import TOMBSTONE_NAME, expired_report_ids
from phananh.reports.tables import events, reports
from tests.conftest import sign_in_citizen
from tests.privacy.photo_support import jpeg_with_metadata
from tests.support import AGENCY, PATHS, act, report_body, submit

_phones = itertools.count(random.randint(10_000_000, 80_000_000))


def new_phone() -> str:
    return f"09{next(_phones):08d}"


@pytest.fixture
async def citizen(client, monkeypatch_session):
    """A fresh citizen signed in by phone: (phone as typed, bearer headers)."""
    phone = new_phone()
    return phone, await sign_in_citizen(client, monkeypatch_session, phone)


async def my_report(client, headers, *, name="Trần Thị Mai", email=None, **overrides) -> dict:
    reporter = {"name": name, **({"email": email} if email else {})}  # the phone comes from the sign-in
    return await submit(client, headers=headers, reporter=reporter, **overrides)


async def test_download_holds_reports_events_consents_notifications_media_and_reads(client, tokens, citizen):
    phone, me = citizen
    r = await client.post("/api/v1/reports", headers=me, files={"files": ("a.jpg", jpeg_with_metadata(), "image/jpeg")},
                          data={"report": json.dumps(report_body(reporter={"name": "Trần Thị Mai"}))})
    assert r.status_code == 201, r.text
    created = r.json()
    await act(client, created["id"], "assign", {"agency": AGENCY}, headers=await tokens("dispatcher"))
    await act(client, created["id"], "respond", {"message": "Đã tiếp nhận, sẽ xử lý trong tuần."},
              headers=await tokens(f"handler.{AGENCY}"))
    assert (await client.get(f"/api/v1/reports/{created['id']}", headers=await tokens("dispatcher"))).status_code == 200

    r = await client.get("/api/v1/me/data", headers=me)
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"] == 'attachment; filename="phananh-du-lieu-cua-toi.json"'
    data = r.json()
    assert data["account"]["phone"] == "+84" + phone[1:]
    [report] = data["reports"]
    assert report["code"] == created["code"]
    assert report["reporter"]["name"] == "Trần Thị Mai" and report["reporter"]["phone"] == "+84" + phone[1:]
    assert [e["action"] for e in report["events"]] == ["submit", "assign", "respond"]
    assert all(set(e["actor"]) <= {"role", "agency"} for e in report["events"])  # who acted: never a username
    assert f"handler.{AGENCY}" not in r.text
    [consent] = data["consents"]
    assert consent["given"] is True and "91/2025/QH15" in consent["purpose"] and consent["at"].endswith("+07:00")
    kinds = {(n["kind"], n["channel"]) for n in data["notifications"]}
    assert ("responded", "sms") in kinds and ("responded", "in_app") in kinds
    assert all(n["report"] == created["code"] for n in data["notifications"])
    [photo] = data["media"]
    assert photo["url"] == f"/api/v1/media/{photo['id']}" and photo["kind"] == "photo"
    assert any(x["role"] == "dispatcher" and x["report"] == created["code"] for x in data["identity_reads"])


async def test_identity_reads_name_agency_role_time_and_reason_never_the_username(client, tokens, citizen):
    _, me = citizen
    created = await my_report(client, me, share_identity_with_agency=True)
    await act(client, created["id"], "assign", {"agency": AGENCY}, headers=await tokens("dispatcher"))
    handler = await tokens(f"handler.{AGENCY}")
    seen = await client.get(f"/api/v1/reports/{created['id']}", headers=handler)
    assert seen.json()["reporter"]["name"] == "Trần Thị Mai"

    r = await client.get("/api/v1/me/identity-reads", headers=me)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == len(body["items"]) == 1  # assign does not show the identity; the handler's read does
    [read] = body["items"]
    assert read["role"] == "handler" and read["agency"]["code"] == AGENCY and read["agency"]["name"]
    assert read["purpose"] == "report" and read["report"] == created["code"]
    assert read["at"].endswith("+07:00")
    assert datetime.fromisoformat(read["at"]) > datetime.now(timezone.utc) - timedelta(minutes=5)
    assert f"handler.{AGENCY}" not in r.text


async def test_erase_removes_the_identity_everywhere_and_the_reports_survive(client, tokens, citizen, engine,
                                                                             monkeypatch_session):
    phone, me = citizen
    e164 = "+84" + phone[1:]
    email = f"mai.{phone}@example.vn"
    dispatcher, handler = await tokens("dispatcher"), await tokens(f"handler.{AGENCY}")
    open_one = await my_report(client, me, email=email, share_identity_with_agency=True)
    other = await my_report(client, me)
    await act(client, open_one["id"], "assign", {"agency": AGENCY}, headers=dispatcher)
    await act(client, open_one["id"], "respond", {"message": "Đã tiếp nhận"}, headers=handler)  # queues an email
    async with engine.connect() as conn:
        queued = (await conn.execute(select(notifications.c.id).where(
            notifications.c.report_id == open_one["id"], notifications.c.status == "pending",
            notifications.c.address == email))).scalars().all()
    assert len(queued) == 1  # the response, by email to the reporter

    assert (await client.post("/api/v1/me/erase", headers=me, json={"confirm": False})).status_code == 422
    r = await client.post("/api/v1/me/erase", headers=me, json={"confirm": True})
    assert r.status_code == 200, r.text
    assert r.json()["erased_reports"] == 2 and r.json()["canceled_notifications"] == 1
    # The account is closed: its sign-in no longer works.
    assert (await client.get("/api/v1/me/data", headers=me)).status_code == 401

    # API: staff detail and list show the tombstone, no phone, no email; the agency no longer sees it either.
    detail = (await client.get(f"/api/v1/reports/{open_one['id']}", headers=dispatcher)).json()
    assert detail["reporter"] == {"name": TOMBSTONE_NAME, "phone": None, "email": None}
    assert detail["description"] and detail["status"] == "in_progress"
    assert "reporter" not in (await client.get(f"/api/v1/reports/{open_one['id']}", headers=handler)).json()
    listed = await client.get("/api/v1/reports", headers=dispatcher, params={"q": other["code"]})
    assert [x["reporter"]["name"] for x in listed.json()["items"]] == [TOMBSTONE_NAME]
    for text in (detail, listed.text):
        assert e164 not in str(text) and email not in str(text) and "Trần Thị Mai" not in str(text)
    # Exports.
    for fmt in ("csv", "json"):
        exported = await client.get("/api/v1/exports/reports", headers=dispatcher,
                                    params={"format": fmt, "q": open_one["code"]})
        assert exported.status_code == 200 and open_one["code"] in exported.text
        assert e164 not in exported.text and email not in exported.text and "Trần Thị Mai" not in exported.text
    # Notifications: queued ones cancelled, no address kept, and none to the reporter after the next actions.
    async with engine.connect() as conn:
        rows = (await conn.execute(select(notifications).where(
            notifications.c.report_id == open_one["id"]))).mappings().all()
    assert {r["status"] for r in rows if r["id"] in queued} == {"canceled"}
    assert not [r for r in rows if r["address"] in (e164, email) or email in r["dedupe_key"]]
    before = {r["id"] for r in rows}
    # The reports survive and are still handled.
    await act(client, open_one["id"], "resolve", {"result": "Đã vá ổ gà"}, headers=handler)
    published = await act(client, open_one["id"], "publish", {}, headers=dispatcher)
    assert published["status"] == "published"
    async with engine.connect() as conn:
        new = (await conn.execute(select(notifications.c.kind, notifications.c.address).where(
            notifications.c.report_id == open_one["id"], notifications.c.id.not_in(before)))).all()
    assert not [n for n in new if n.kind == "published"]
    # The erasure is an event per report, from_status = to_status, naming the fields and no value.
    history = (await client.get(f"/api/v1/reports/{other['id']}/events", headers=dispatcher)).json()["items"]
    erased = [e for e in history if e["action"] == "erase_identity"]
    assert len(erased) == 1 and erased[0]["from_status"] == erased[0]["to_status"] == "received"
    assert erased[0]["actor"]["role"] == "citizen" and erased[0]["actor"].get("username") is None
    assert set(erased[0]["payload"]["fields"]) == {"reporter_name", "reporter_phone", "reporter_account"}
    assert erased[0]["payload"]["reason"] == "request"
    assert e164 not in json.dumps(history) and "Trần Thị Mai" not in json.dumps(history)
    # Not part of what the public sees.
    public = (await client.get(f"/api/v1/reports/{other['id']}/events", headers=dispatcher)).json()
    assert public["total"] == len(history)
    # Signing in again with the same phone starts a new, empty account.
    again = await sign_in_citizen(client, monkeypatch_session, phone)
    data = (await client.get("/api/v1/me/data", headers=again)).json()
    assert data["reports"] == [] and data["identity_reads"] == []


async def test_retention_anonymises_exactly_the_reports_closed_too_long_ago(client, tokens, clock, engine):
    dispatcher = await tokens("dispatcher")
    old = datetime(2020, 6, 10, 3, 0, tzinfo=timezone.utc)
    clock.set(old)
    long_closed = await submit(client)
    old_but_open = await submit(client)
    for action, user, body in PATHS["closed"]:
        await act(client, long_closed["id"], action, body, headers=await tokens(user))
    clock.set(old.replace(year=2025))
    recently_rejected = await submit(client)
    await act(client, recently_rejected["id"], "reject", {"reason": "Trùng lặp"}, headers=dispatcher)
    clock.fixed = None
    now = datetime(2026, 12, 1, tzinfo=timezone.utc)

    async with engine.connect() as conn:
        due = await expired_report_ids(conn, now=now, years=5)
    assert long_closed["id"] in due and old_but_open["id"] not in due and recently_rejected["id"] not in due
    assert await anonymise_expired(engine, now=now, years=5, dry_run=True) == len(due)
    assert await anonymise_expired(engine, now=now, years=5) == len(due)
    assert await anonymise_expired(engine, now=now, years=5) == 0  # idempotent

    async with engine.connect() as conn:
        rows = {r.id: r for r in (await conn.execute(select(reports).where(reports.c.id.in_(
            [long_closed["id"], old_but_open["id"], recently_rejected["id"]])))).all()}
        erase_events = (await conn.execute(select(events.c.report_id, events.c.payload, events.c.actor_role)
                                           .where(events.c.action == "erase_identity",
                                                  events.c.report_id.in_(due)))).all()
    gone = rows[long_closed["id"]]
    assert (gone.reporter_name, gone.reporter_phone, gone.reporter_email) == (TOMBSTONE_NAME, None, None)
    assert gone.status == "closed" and gone.description
    for kept in (rows[old_but_open["id"]], rows[recently_rejected["id"]]):
        assert kept.reporter_phone == "0912345678" and kept.reporter_name == "Nguyễn Văn Bảy"
    assert sorted(e.report_id for e in erase_events) == sorted(due)
    assert all(e.payload["reason"] == "retention" and e.actor_role == "system" for e in erase_events)


@pytest.mark.parametrize("method,path", [("GET", "/api/v1/me/data"), ("GET", "/api/v1/me/identity-reads"),
                                         ("POST", "/api/v1/me/erase")])
async def test_only_a_signed_in_citizen_holds_these_rights(client, tokens, method, path):
    r = await client.request(method, path, json={"confirm": True})
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    r = await client.request(method, path, json={"confirm": True}, headers=await tokens("dispatcher"))
    assert r.status_code == 403 and r.json()["error"]["code"] == "citizens_only"
    assert r.json()["error"]["message"].startswith("Chỉ")  # Vietnamese by default


@pytest.mark.parametrize("body", [None, {}, {"confirm": "yes"}, {"confirm": 1}, [True], "true"])
async def test_erase_needs_an_explicit_confirmation(client, citizen, body):
    _, me = citizen
    r = await client.post("/api/v1/me/erase", headers=me, json=body)
    assert r.status_code == 422 and r.json()["error"]["code"] == "confirmation_required"
    r = await client.post("/api/v1/me/erase", headers={**me, "Content-Type": "application/json"}, content=b"{oops")
    assert r.status_code == 400
    assert (await client.get("/api/v1/me/data", headers=me)).status_code == 200  # nothing was erased


async def test_my_page_offers_download_reads_and_erasure_with_a_confirmation_step(app, client, tokens, citizen):
    import re

    import httpx

    _, me = citizen
    created = await my_report(client, me)
    await client.get(f"/api/v1/reports/{created['id']}", headers=await tokens("dispatcher"))  # one read
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as browser:
        browser.cookies.set("phananh_session", me["Authorization"].split()[1])
        page = await browser.get("/cua-toi")
        assert page.status_code == 200
        for text in ("Tải dữ liệu của tôi", "Ai đã xem thông tin của tôi", "Rút lại đồng ý và xóa thông tin cá nhân"):
            assert text in page.text
        assert 'href="/api/v1/me/data"' in page.text
        assert (await browser.get("/api/v1/me/data")).status_code == 200  # the cookie opens the download
        reads = await browser.get("/cua-toi/ai-da-xem")
        assert reads.status_code == 200 and created["code"] in reads.text and "Mở xem phản ánh" in reads.text
        assert "Cổng Thông tin điện tử tỉnh" in reads.text and "<script>" not in reads.text

        form = await browser.get("/cua-toi/xoa-thong-tin")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
        unticked = await browser.post("/cua-toi/xoa-thong-tin", data={"csrf_token": token})
        assert unticked.status_code == 422 and "Hãy đánh dấu ô xác nhận" in unticked.text
        assert (await browser.post("/cua-toi/xoa-thong-tin", data={"confirm": "1"})).status_code == 403  # no CSRF
        done = await browser.post("/cua-toi/xoa-thong-tin", data={"csrf_token": token, "confirm": "1"})
        assert done.status_code == 303 and done.headers["location"] == "/cua-toi"
        assert any(h.startswith("phananh_session=") for h in done.headers.get_list("set-cookie"))
    assert (await client.get("/api/v1/me/data", headers=me)).status_code == 401
    detail = (await client.get(f"/api/v1/reports/{created['id']}", headers=await tokens("dispatcher"))).json()
    assert detail["reporter"]["name"] == TOMBSTONE_NAME


def test_cli_retention_prints_the_count(db_url, monkeypatch):
    from typer.testing import CliRunner

    from phananh.cli import app as cli
    from phananh.config import get_settings

    monkeypatch.setenv("PHANANH_DATABASE_URL", db_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["privacy", "retention", "--dry-run", "--years", "50"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "0 report(s) would be anonymised (closed more than 50 year(s) ago)."
