"""The public map's pins (/cong-khai): each is an 18 px dot filled with its status colour. The <span> inside the
marker once stayed inline, so every pin drew as an empty white oval a few pixels wide."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support import AGENCY
from tests.web.test_consoles_browser import report_in

pytestmark = pytest.mark.browser


def test_the_public_map_pins_are_coloured_dots(chromium, live_server):
    report_in(live_server.url, ("assign", "dispatcher", {"agency": AGENCY}), ("make_public", "dispatcher", {}))
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
    try:
        page = context.new_page()
        page.goto(live_server.url + "/cong-khai")
        expect(page.locator(".leaflet-marker-icon .pin-dot").first).to_be_attached()
        dots = page.evaluate("""() => [...document.querySelectorAll('.leaflet-marker-icon .pin-dot')].map(d => {
            const r = d.getBoundingClientRect();
            return {w: r.width, h: r.height, bg: getComputedStyle(d).backgroundColor}; })""")
        assert dots
        for dot in dots:
            assert round(dot["w"]) == round(dot["h"]) == 18, dot  # layout may leave a sub-pixel remainder
            assert dot["bg"] not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)"), dot
    finally:
        context.close()
