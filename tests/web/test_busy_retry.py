"""Back-pressure seen from the phone: a busy server's 503 keeps the report on the phone, and the app sends it
again by itself after Retry-After, with the same Idempotency-Key, so it is made exactly once (issue 7)."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.web.test_browser import count_reports

pytestmark = pytest.mark.browser


def test_a_busy_server_gets_the_report_again_later_with_the_same_key(chromium, live_server):
    base, db = live_server.url, live_server.db_path
    description = f"Cống thoát nước bị tắc, nước tràn lên đường ({uuid.uuid4().hex[:6]})"
    context = chromium.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    try:
        page = context.new_page()
        keys: list[str | None] = []

        def busy_once(route):
            if route.request.method != "POST":
                return route.continue_()
            keys.append(route.request.headers.get("idempotency-key"))
            if len(keys) == 1:  # what an overloaded server answers (phananh/server/backpressure.py)
                return route.fulfill(status=503, headers={"Retry-After": "1"}, content_type="application/json",
                                     body=json.dumps({"error": {"code": "overloaded", "message": "busy"}}))
            return route.continue_()

        page.route(re.compile(r".*/api/v1/reports(\?.*)?$"), busy_once)
        page.goto(base + "/")
        page.check("input[name=category][value=cap-thoat-nuoc]")
        page.fill("#description", description)
        page.click("#more-place summary")  # address and contact sit behind compact toggles (issue 14)
        page.fill("#address", "Đường Phan Ngọc Hiển, phường An Xuyên")
        page.click("#contact-details summary")
        page.fill("#reporter-name", "Lê Văn Tám")
        page.fill("#reporter-phone", "0913444555")
        page.check("#consent")
        page.click("#report-form button[type=submit]")

        expect(page.locator("#outbox li")).to_have_count(1)  # kept on the phone, waiting
        assert count_reports(db, description) == 0
        expect(page.locator("#track-link")).to_be_visible(timeout=15_000)  # sent again, unasked
        expect(page.locator("#outbox li")).to_have_count(0)
        assert len(keys) == 2 and keys[0] and keys[0] == keys[1]
        assert count_reports(db, description) == 1
    finally:
        context.close()


def test_a_signed_in_browser_sends_the_pages_csrf_token_and_gets_a_fresh_one_when_it_is_stale(chromium, live_server):
    """The app's submit carries the session cookie, so it must carry X-CSRF-Token too; a page kept from an older
    session (offline copy) reads a fresh token and the report still goes, once."""
    from tests.web.test_browser import sign_in

    base, db = live_server.url, live_server.db_path
    description = f"Đèn tín hiệu giao thông không hoạt động ({uuid.uuid4().hex[:6]})"
    context = chromium.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    try:
        page = context.new_page()
        sent: list[str | None] = []
        page.on("request", lambda r: sent.append(r.headers.get("x-csrf-token"))
                if r.method == "POST" and "/api/v1/reports" in r.url else None)
        sign_in(page, base, "dispatcher")
        page.goto(base + "/")
        page.evaluate("document.querySelector('meta[name=csrf-token]').content = 'stale'")
        page.check("input[name=category][value=giao-thong]")
        page.fill("#description", description)
        page.click("#more-place summary")
        page.fill("#address", "Ngã tư Lý Thường Kiệt")
        page.check("#anonymous")
        page.click("#report-form button[type=submit]")
        expect(page.locator("#track-link")).to_be_visible(timeout=15_000)
        assert sent[0] == "stale" and sent[-1] and sent[-1] != "stale"
        assert count_reports(db, description) == 1
    finally:
        context.close()
