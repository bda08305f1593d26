"""The site's header (issue 14 §10): on a 360×740 phone one 56 px row (the brand and a Menu button) instead of a
fifth of the screen; the menu opens below it, by mouse or keyboard; at 1366×900 everything stays on one row."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.web.test_browser import Checks, sign_in

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1366, "height": 900}


def header_height(page) -> float:
    return page.locator("header.top").bounding_box()["height"]


def test_the_phone_header_is_one_row_with_a_menu(chromium, live_server, screenshots):
    checks = Checks("phone", screenshots)
    context = chromium.new_context(viewport=PHONE, locale="vi-VN")
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        height = header_height(page)
        assert height <= 0.1 * PHONE["height"], f"the header takes {height} px of 740"
        menu = page.locator("#menu-btn")
        expect(menu).to_be_visible()
        expect(menu).to_have_attribute("aria-expanded", "false")
        track = page.locator("header nav a[href='/theo-doi']")
        expect(track).to_be_hidden()
        # The form starts right under the header.
        assert page.locator("h1").bounding_box()["y"] < 120

        menu.click()
        expect(menu).to_have_attribute("aria-expanded", "true")
        expect(track).to_be_visible()
        expect(page.locator("header a[href='/dang-nhap']")).to_be_visible()
        assert header_height(page) == height  # the open menu lies over the page, the header does not grow
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
        page.screenshot(path=str(screenshots / "phone-header-menu-open.png"))
        checks.page(page, "header-menu-open")
        page.keyboard.press("Escape")  # closes, and the focus goes back to the button
        expect(track).to_be_hidden()
        expect(menu).to_be_focused()
        page.keyboard.press("Enter")  # the keyboard opens it too
        expect(track).to_be_visible()
        track.click()
        expect(page).to_have_url(live_server.url + "/theo-doi")
        expect(page.locator("#menu-btn")).to_have_attribute("aria-expanded", "false")  # a new page starts closed

        # Staff: the unread count shows on the button, sign-out sits in the menu.
        sign_in(page, live_server.url, "dispatcher")
        assert header_height(page) <= 0.1 * PHONE["height"]
        page.click("#menu-btn")
        expect(page.locator("header nav a[href='/portal']")).to_be_visible()
        page.click("header form button")
        expect(page.locator("header a[href='/dang-nhap']")).to_be_attached()
    finally:
        context.close()
    assert not checks.violations, "\n".join(checks.violations)


def test_without_scripts_the_phone_header_shows_the_whole_menu(chromium, live_server):
    context = chromium.new_context(viewport=PHONE, locale="vi-VN", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_server.url + "/cong-khai")
        expect(page.locator("#menu-btn")).to_be_hidden()
        expect(page.locator("header nav a[href='/theo-doi']")).to_be_visible()
    finally:
        context.close()


def test_the_desktop_header_is_one_row_without_a_menu_button(chromium, live_server, screenshots):
    context = chromium.new_context(viewport=DESKTOP, locale="vi-VN")
    try:
        page = context.new_page()
        sign_in(page, live_server.url, "admin")
        expect(page.locator("#menu-btn")).to_be_hidden()
        links = page.locator("header nav a")
        tops = {round(links.nth(i).bounding_box()["y"]) for i in range(links.count())}
        assert len(tops) == 1, "the navigation wraps onto several rows"
        expect(page.locator("header form button")).to_be_visible()
        assert header_height(page) <= 64
        page.screenshot(path=str(screenshots / "desktop-header.png"))
    finally:
        context.close()
