"""The staff consoles in a real browser (issue 14): the Portal queue goes live (a report submitted elsewhere shows
without a reload, an urgent one raises an alert), its map view; the returned-report banner; the handler's action
bar on a phone. Screenshots under test-artifacts/screenshots/; axe on each page."""

from __future__ import annotations

import uuid

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import DEMO_PASSWORD
from tests.support import AGENCY, report_body
from tests.web.test_browser import Checks, sign_in

pytestmark = pytest.mark.browser
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 360, "height": 740}


def api(base: str, username: str | None = None) -> httpx.Client:
    headers = {}
    if username:
        r = httpx.post(base + "/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD}, timeout=30)
        assert r.status_code == 200, r.text
        headers["Authorization"] = f"Bearer {r.json()['access_token']}"
    return httpx.Client(base_url=base, headers=headers, timeout=30)


def report_in(base: str, *steps: tuple[str, str, dict], **overrides) -> dict:
    """A report submitted through the API and taken through `steps` (action, username, body)."""
    with api(base) as anyone:
        r = anyone.post("/api/v1/reports", json=report_body(**overrides))
        assert r.status_code == 201, r.text
        created = r.json()
    for action, user, body in steps:
        with api(base, user) as client:
            r = client.post(f"/api/v1/reports/{created['id']}/actions/{action}", json=body)
            assert r.status_code == 200, r.text
    return created


def test_the_queue_shows_a_report_sent_from_elsewhere_without_a_reload(chromium, live_server, screenshots):
    base = live_server.url
    checks = Checks("desktop", screenshots)
    marker = uuid.uuid4().hex[:10]
    dispatcher_ctx = chromium.new_context(viewport=DESKTOP, locale="vi-VN")
    citizen_ctx = chromium.new_context(viewport=PHONE, locale="vi-VN")
    try:
        page = dispatcher_ctx.new_page()
        sign_in(page, base, "dispatcher")
        page.goto(f"{base}/portal?status=portal&q={marker}")
        expect(page.locator("#queue-rows .queue li")).to_have_text("Không có phản ánh nào.")
        expect(page.locator("#live-state")).to_have_text("Trực tiếp", timeout=15_000)
        page.evaluate("() => { window.__sameDocument = true; }")  # gone if the page reloads

        # A citizen, elsewhere, sends a report they say is urgent.
        sent = citizen_ctx.request.post(base + "/api/v1/reports", data=report_body(
            description=f"Cột điện nghiêng sắp đổ xuống đường ({marker})", urgent_hint=True,
            reporter={"name": "Đỗ Văn Chín", "phone": "0918000111"}))
        assert sent.status == 201, sent.text()
        created = sent.json()

        notice = page.locator("#live-new")
        expect(notice).to_have_text("1 phản ánh mới", timeout=30_000)
        alert = page.locator("#urgent-alert")
        expect(alert).to_contain_text(f"Phản ánh mới được người phản ánh báo khẩn cấp: {created['code']}", timeout=30_000)
        expect(alert.locator("a")).to_have_attribute("href", f"/portal/phan-anh/{created['id']}")
        notice.click()
        row = page.locator(f"#queue-rows li[data-report-id='{created['id']}']")
        expect(row).to_contain_text(created["code"], timeout=30_000)
        expect(row.locator(".badge.warn")).to_have_text("Người dân báo khẩn cấp")
        expect(notice).to_be_hidden()
        assert page.evaluate("() => window.__sameDocument === true"), "the page was reloaded"
        checks.page(page, "portal-queue-live")

        # The map view: one pin per report of the page, a popup leading to the report.
        page.click("#view-map")
        expect(page.locator("#queue-map")).to_be_visible()
        expect(page.locator("#queue-rows")).to_be_hidden()
        expect(page.locator("#view-map")).to_have_attribute("aria-pressed", "true")
        expect(page.locator("#queue-map")).to_have_attribute("data-pins", "1")
        page.locator("#queue-map path.leaflet-interactive").first.click(force=True)
        expect(page.locator(".leaflet-popup-content a")).to_have_attribute("href", f"/portal/phan-anh/{created['id']}")
        page.screenshot(path=str(screenshots / "desktop-portal-queue-map.png"))
        checks.page(page, "portal-queue-map")
        page.click("#view-list")
        expect(page.locator("#queue-rows")).to_be_visible()
        assert not checks.violations, checks.violations
    finally:
        dispatcher_ctx.close()
        citizen_ctx.close()


def test_a_returned_report_opens_on_its_banner(chromium, live_server, screenshots):
    base = live_server.url
    created = report_in(base, ("assign", "dispatcher", {"agency": AGENCY}),
                        ("return", f"handler.{AGENCY}", {"reason": "Tuyến đường do huyện quản lý, không thuộc Sở"}))
    checks = Checks("phone", screenshots)
    context = chromium.new_context(viewport=PHONE, locale="vi-VN")
    try:
        page = context.new_page()
        sign_in(page, base, "dispatcher")
        page.goto(f"{base}/portal/phan-anh/{created['id']}")
        banner = page.locator("#returned-banner")
        expect(banner).to_contain_text("Bị chuyển trả bởi Sở Xây dựng")
        expect(banner).to_contain_text("Tuyến đường do huyện quản lý, không thuộc Sở")
        box = banner.bounding_box()
        assert box and box["y"] + box["height"] <= PHONE["height"], "the banner is not on the first screen"
        assert box["y"] < page.locator("h1").bounding_box()["y"]
        expect(page.locator("#assign-agency")).not_to_have_value(AGENCY)
        checks.page(page, "portal-returned-banner")
        assert not checks.violations, checks.violations
    finally:
        context.close()


def test_the_handlers_action_bar_is_on_the_first_phone_screen(chromium, live_server, screenshots):
    base = live_server.url
    created = report_in(base, ("assign", "dispatcher", {"agency": AGENCY}))
    checks = Checks("phone", screenshots)
    context = chromium.new_context(viewport=PHONE, locale="vi-VN")
    try:
        page = context.new_page()
        sign_in(page, base, f"handler.{AGENCY}")
        page.goto(f"{base}/agency")
        card = page.locator(f"li:has(a[href='/agency/phan-anh/{created['id']}'])")
        expect(card.locator(".lead-deadline")).to_contain_text("Phản hồi trước")
        expect(card.locator(".chip.return-window")).to_contain_text("Có thể chuyển trả đến")
        checks.page(page, "consoles-agency-inbox")

        page.goto(f"{base}/agency/phan-anh/{created['id']}")
        bar = page.locator("#action-bar")
        expect(bar.locator("a")).to_have_text(["Phản hồi", "Gửi kết quả", "Chuyển trả"])
        assert page.evaluate("() => window.scrollY") == 0
        for link in bar.locator("a").all():
            box = link.bounding_box()
            assert box and 0 <= box["y"] and box["y"] + box["height"] <= PHONE["height"], box
        page.screenshot(path=str(screenshots / "phone-agency-action-bar.png"))
        bar.locator("a", has_text="Phản hồi").click()
        expect(page.locator("#act-respond")).to_have_attribute("open", "")
        expect(page.locator("#respond-message")).to_be_focused()
        expect(page.locator("#respond-message")).to_be_in_viewport()
        checks.page(page, "agency-report-action-bar")
        # the bar never hides the form's own button
        page.fill("#respond-message", "Đơn vị đã tiếp nhận, tổ duy tu sẽ đến kiểm tra trong ngày.")
        page.click("#act-respond button[type=submit]")
        expect(page.locator(".flash.ok").first).to_contain_text("Đã thực hiện")
        expect(bar.locator("a")).to_have_text(["Gửi kết quả"])  # answered: only the result is left
        assert not checks.violations, checks.violations
    finally:
        context.close()
