"""Every route and command that changes a report publishes its live event, after commit, from one hook
(live/after_commit.py): no route publishes by itself.

`test_every_writing_route_is_walked_or_declared` walks the app's routes: a new POST/PUT/PATCH/DELETE route that
is neither walked here nor declared as changing no report fails it.
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
import pytest

from phananh import live
from phananh.reports.scheduled import close_published
from tests.support import AGENCY, act, report_in_state, submit
from tests.web.test_pages import sign_in

# Routes walked by a test below (path -> the test that walks it).
WALKED = {
    "/api/v1/reports": "test_rest_submit_and_every_action_publish",
    "/api/v1/reports/{report_ref}/actions/{action}": "test_rest_submit_and_every_action_publish",
    "/portal/phan-anh/{report_id}/{action}": "test_console_forms_publish",
    "/agency/phan-anh/{report_id}/{action}": "test_console_forms_publish",
}
# Routes that change reports through the same service (so through the hook), not walked here yet.
NOT_YET_WALKED = {
    "/open311/v2/requests", "/open311/v2/requests.{fmt}", "/gui-phan-anh", "/portal/moi",
    "/theo-doi/{token}/danh-gia", "/cua-toi/{report_id:int}/danh-gia", "/api/v1/me/erase", "/cua-toi/xoa-thong-tin",
}
# Routes that write no report event.
NO_REPORT_CHANGE = {
    "/api/v1/track", "/api/v1/auth/login", "/api/v1/auth/logout", "/api/v1/auth/mfa/totp/setup",
    "/api/v1/auth/mfa/totp/confirm", "/api/v1/auth/otp/request", "/api/v1/auth/otp/verify",
    "/api/v1/admin/calendar", "/api/v1/admin/calendar/{day}", "/api/v1/admin/sla-policy",  # deadlines, no event
    "/api/v1/notifications/{notification_id}/read", "/api/v1/notifications/read-all",
    "/api/v1/admin/api-keys", "/api/v1/admin/api-keys/{key_id}/revoke", "/open311/v2/{rest:path}",
    "/admin/nhat-ky", "/theo-doi", "/dang-nhap-cong-dan", "/dang-nhap-cong-dan/xac-thuc", "/dang-nhap",
    "/dang-nhap/ma-xac-thuc", "/dang-nhap/xac-thuc-hai-buoc", "/dang-xuat", "/thong-bao/da-doc", "/admin/lich",
    "/admin/khoa-api", "/admin/khoa-api/{key_id:int}/thu-hoi", "/admin/phan-luong", "/admin/nguoi-dung/mo-khoa",
    "/admin/{entity}",
}


def _writing_routes(app) -> set[str]:
    out = set()
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        for r in (contexts() if callable(contexts) else contexts) if contexts is not None else [route]:
            if (getattr(r, "methods", None) or set()) - {"GET", "HEAD", "OPTIONS"}:
                out.add(r.path)
    return out


def test_every_writing_route_is_walked_or_declared(app):
    routes = _writing_routes(app)
    assert "/api/v1/reports" in routes  # the walk sees the app's routes
    undeclared = routes - set(WALKED) - NOT_YET_WALKED - NO_REPORT_CHANGE
    assert not undeclared, f"walk these in tests/live/test_pipeline_coverage.py, or declare them: {undeclared}"
    assert not (set(WALKED) | NOT_YET_WALKED | NO_REPORT_CHANGE) - routes, "declared routes that no longer exist"


@pytest.fixture
async def browser(app):
    """A client with its own cookie jar, like one browser."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        yield c


@asynccontextmanager
async def listening(app):
    async with live.hub(app).subscribe() as queue:
        yield Heard(queue)


class Heard:
    def __init__(self, queue):
        self.queue, self.seen = queue, []

    async def wait(self, report_id: int, action: str) -> dict:
        async def until():
            while True:
                for m in self.seen:
                    if m["report_id"] == report_id and m["action"] == action:
                        return m
                self.seen.append(await self.queue.get())

        return await asyncio.wait_for(until(), timeout=3)


async def test_rest_submit_and_every_action_publish(app, client, tokens):
    dispatcher, handler = await tokens("dispatcher"), await tokens(f"handler.{AGENCY}")
    async with listening(app) as heard:
        created = await submit(client)
        assert (await heard.wait(created["id"], "submit"))["status"] == "received"
        rid = created["id"]
        for action, headers, body in [
            ("make_public", dispatcher, {}), ("redact", dispatcher, {"public_title": "Ổ gà"}),
            ("reclassify", dispatcher, {"category": "dien-chieu-sang"}), ("flag_urgent", dispatcher, {}),
            ("unflag_urgent", dispatcher, {}), ("log_contact", dispatcher, {"contact": "Ông A", "channel": "phone", "outcome": "Đã báo"}),
            ("comment", dispatcher, {"text": "Đã xem"}), ("assign", dispatcher, {"agency": AGENCY}),
            ("respond", handler, {"message": "Đã tiếp nhận"}), ("resolve", handler, {"result": "Đã xử lý"}),
            ("rework", dispatcher, {"reason": "Chưa đủ"}), ("resolve", handler, {"result": "Đã xử lý xong"}),
            ("publish", dispatcher, {}), ("reopen", dispatcher, {"reason": "Chưa xong"}),
        ]:
            await act(client, rid, action, body, headers=headers)
            await heard.wait(rid, action)
        other = await submit(client)
        await act(client, other["id"], "reject", {"reason": "Không thuộc phạm vi"}, headers=dispatcher)
        assert (await heard.wait(other["id"], "reject"))["status"] == "rejected"


async def test_a_rolled_back_action_publishes_nothing(app, client, tokens):
    dispatcher = await tokens("dispatcher")
    async with listening(app) as heard:
        created = await submit(client)
        await heard.wait(created["id"], "submit")
        await act(client, created["id"], "assign", {"agency": "no-such-agency"}, headers=dispatcher, expect=422)
        with pytest.raises(TimeoutError):
            await heard.wait(created["id"], "assign")


async def test_console_forms_publish(app, client, tokens, browser):
    async with listening(app) as heard:
        created = await submit(client)
        csrf = await sign_in(browser, "dispatcher")
        r = await browser.post(f"/portal/phan-anh/{created['id']}/assign",
                               data={"csrf_token": csrf, "agency": AGENCY})
        assert r.status_code == 303, r.text[:300]
        assert (await heard.wait(created["id"], "assign"))["status"] == "assigned"
    async with listening(app) as heard:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as agency:
            csrf = await sign_in(agency, f"handler.{AGENCY}")
            r = await agency.post(f"/agency/phan-anh/{created['id']}/respond",
                                  data={"csrf_token": csrf, "message": "Đã tiếp nhận"})
            assert r.status_code == 303, r.text[:300]
        assert (await heard.wait(created["id"], "respond"))["status"] == "in_progress"


async def test_the_scheduled_close_publishes(app, client, tokens, clock):
    published = await report_in_state(client, tokens, "published")
    async with listening(app) as heard:
        later = clock() + timedelta(days=app.state.settings.close_after_days + 1)
        closed = await close_published(app.state.engine, now=later, settings=app.state.settings)
        assert published["id"] in closed
        assert (await heard.wait(published["id"], "close"))["status"] == "closed"

