"""The citizen's front door at 360×740 (issue 14): the form's checks, the confirmation screen, the form's height."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.web.conftest import SCREENSHOTS
from tests.web.test_browser import Checks, count_reports, photo_file

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 740}


def test_checks_then_the_confirmation_screen(chromium, live_server, tmp_path):
    base, db = live_server.url, live_server.db_path
    checks = Checks("phone", SCREENSHOTS)
    description = f"Cây xanh đổ chắn ngang đường, xe không qua được ({uuid.uuid4().hex[:6]})"
    context = chromium.new_context(viewport=PHONE, locale="vi-VN")
    try:
        page = context.new_page()
        page.goto(base + "/")
        # "Lĩnh vực khác" is the last category.
        assert page.locator("input[name=category]").last.get_attribute("value") == "khac"
        page.check("input[name=category][value=giao-thong]")

        # A 7th photo is refused with a message, not dropped silently.
        files = [str(photo_file(tmp_path, f"p{i}.jpg", f"#{i}0{i}0{i}0")) for i in range(7)]
        page.set_input_files("#gallery", files)
        expect(page.locator("#thumbs img")).to_have_count(6)
        expect(page.locator("#photo-note")).to_have_text("Tối đa 6 ảnh: ảnh thứ 7 không được thêm.")

        # Too short a description and a phone that is not one are answered next to the fields.
        page.fill("#description", "x")
        expect(page.locator("#desc-count")).to_have_text("1 ký tự (tối thiểu 10)")
        page.click("#more-place summary")  # the optional parts sit behind compact toggles
        page.fill("#address", "Đường Nguyễn Tất Thành, phường An Xuyên")
        page.click("#contact-details summary")
        page.fill("#reporter-name", "Võ Thị Hai")
        page.fill("#reporter-phone", "abc123")
        page.check("#consent")
        page.click("#report-form button[type=submit]")
        expect(page.locator("#err-description")).to_contain_text("ít nhất 10 ký tự")
        expect(page.locator("#err-phone")).to_contain_text("Số điện thoại chưa đúng")
        assert count_reports(db, description) == 0

        page.fill("#description", description)
        page.fill("#reporter-phone", "0913 222 468")
        page.click("#report-form button[type=submit]")

        # The confirmation: a check mark, the code large, copy / share / QR, the promise, Theo dõi / Gửi phản ánh khác.
        confirmation = page.locator("#confirmation")
        expect(confirmation).to_be_visible(timeout=15_000)
        expect(page.locator("#report-form")).to_be_hidden()
        code = page.locator("#confirm-code").inner_text()
        assert len(code) >= 8
        expect(page.locator("#confirm-promise")).to_have_text(
            re.compile(r"^Cổng sẽ chuyển cho cơ quan xử lý trước \d\d:\d\d (hôm nay|ngày mai \(.+\)|.+ \d\d/\d\d)\.$"))
        # The public code as well, for the lookup with the phone's last 4 digits when the tracking code is lost.
        expect(page.locator("#confirm-public")).to_contain_text(re.compile(r"4 số cuối .*Phản ánh PA-\d{4}-\d{6,}"))
        expect(page.locator("#track-link")).to_have_text("Theo dõi")
        expect(page.locator("#confirm-again")).to_have_text("Gửi phản ánh khác")
        for _ in range(50):  # the QR image has loaded (no wait_for_function: the CSP forbids eval)
            if page.locator("#confirm-qr").evaluate("img => img.complete && img.naturalWidth > 0"):
                break
            page.wait_for_timeout(100)
        else:
            raise AssertionError("the QR code did not load")
        qr = page.request.get(base + page.locator("#confirm-qr").get_attribute("src"))
        assert qr.status == 200 and qr.headers["content-type"].startswith("image/svg+xml") and b"<svg" in qr.body()
        assert count_reports(db, description) == 1
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "confirmation-360.png"), full_page=True)
        checks.page(page, "confirmation")

        page.click("#confirm-again")
        expect(page.locator("#report-form")).to_be_visible()
        expect(confirmation).to_be_hidden()
    finally:
        context.close()
    assert not checks.violations, "\n".join(checks.violations)


def test_the_form_from_the_top_to_the_send_button(chromium, live_server, tmp_path):
    """Measured with one photo and a pin at 360x740: at most 2,400 px (issue 14; 3,842 px before)."""
    context = chromium.new_context(viewport=PHONE, locale="vi-VN")
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        page.set_input_files("#gallery", str(photo_file(tmp_path, "one.jpg", "#336699")))
        expect(page.locator("#thumbs img")).to_have_count(1)
        page.click("#pick-map", position={"x": 120, "y": 100})
        expect(page.locator("#lat")).not_to_have_value("")
        bottom = page.evaluate("() => { const b = document.querySelector('#report-form button[type=submit]')"
                               ".getBoundingClientRect(); return Math.round(b.bottom + window.scrollY); }")
        print(f"form height at 360x740, top to the send button: {bottom} px")
        (SCREENSHOTS.parent / "front-door-height.txt").write_text(f"{bottom}\n")
        assert 0 < bottom <= 2400
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "form-360.png"), full_page=True)
        # Three categories to a row, each with its icon; a hint shows once its category is chosen.
        tops = [round(b["y"]) for b in (page.locator(".choice.cat").nth(i).bounding_box() for i in range(3))]
        assert len(set(tops)) == 1
        assert page.locator(".choice.cat svg.cat-icon").count() == page.locator(".choice.cat").count()
        expect(page.locator(".cat-hint.shown")).to_have_count(0)
        page.locator(".choice.cat").first.click()
        expect(page.locator(".cat-hint.shown")).to_have_count(1)
    finally:
        context.close()


def test_the_pin_by_keyboard_fills_the_commune(chromium, live_server):
    """Enter drops the pin at the map's centre, the arrows move it, the commune comes from the nearest centre."""
    context = chromium.new_context(viewport=PHONE, locale="vi-VN")
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        expect(page.locator("#area")).to_have_value("")
        page.focus("#pick-map")
        page.keyboard.press("Enter")
        expect(page.locator("#lat")).not_to_have_value("")
        lat0, lon0 = float(page.input_value("#lat")), float(page.input_value("#lon"))
        assert abs(lat0 - 9.1769) < 0.001 and abs(lon0 - 105.1524) < 0.001  # the map's centre
        commune = page.input_value("#area")
        assert commune, "the commune was not filled from the pin"
        expect(page.locator("#where-status")).to_contain_text(page.locator("#area option:checked").inner_text())
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowUp")
        lat1, lon1 = float(page.input_value("#lat")), float(page.input_value("#lon"))
        assert lon1 > lon0 and lat1 > lat0  # right is east, up is north
        # Dragged far away (here: moved by the keys) the pin finds another commune.
        for _ in range(10):
            page.keyboard.press("Shift+ArrowLeft")
        assert float(page.input_value("#lon")) < lon0 - 0.05
        assert page.input_value("#area") not in ("", commune)
        # The pin marker can be dragged with the mouse.
        assert page.locator("#pick-map .leaflet-marker-draggable").count() == 1
    finally:
        context.close()


def test_the_tracking_page_shows_the_stepper(chromium, live_server):
    """The reporter's page at 360 px: five steps, the current one marked, the next deadline as a time of day."""
    context = chromium.new_context(viewport=PHONE, locale="vi-VN")
    try:
        page = context.new_page()
        sent = page.request.post(live_server.url + "/api/v1/reports", data={
            "category": "giao-thong", "description": "Ổ gà sâu giữa đường, xe máy dễ ngã vào ban đêm.",
            "location": {"lat": 9.1769, "lon": 105.1524}, "address": "Đường Lý Thường Kiệt, phường An Xuyên",
            "anonymous": True, "language": "vi"})
        assert sent.status == 201, sent.text()
        page.goto(live_server.url + "/theo-doi/" + sent.json()["tracking_code"])
        steps = page.locator("#stepper li")
        expect(steps).to_have_count(5)
        expect(steps.nth(0)).to_have_attribute("aria-current", "step")
        expect(steps.nth(0)).to_contain_text("Đã nhận")
        expect(steps.nth(4)).to_contain_text("Đã công khai")
        expect(page.locator("#step-next")).to_have_text(
            re.compile(r"Cổng sẽ chuyển cho cơ quan xử lý trước \d\d:\d\d (hôm nay|ngày mai|Thứ|Chủ)"))
        expect(page.locator("#step-category")).to_have_text("Giao thông")
        expect(page.locator("#report-map .leaflet-marker-icon")).to_have_count(1)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 360, f"sideways scroll: {width} px"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "stepper-360.png"), full_page=True)
        checks = Checks("phone", SCREENSHOTS)
        checks.page(page, "stepper")
        page.goto(page.url + "?lang=en")  # the stepper in English
        expect(steps.nth(0)).to_contain_text("Received")
        checks.page(page, "stepper-en")
        assert not checks.violations, "\n".join(checks.violations)
    finally:
        context.close()
