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
        page.fill("#address", "Đường Phan Ngọc Hiển, phường An Xuyên")
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
