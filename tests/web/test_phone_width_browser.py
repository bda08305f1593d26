"""At 360 px no page scrolls sideways: a wide table scrolls inside its frame (.table-wrap) and the page keeps the
phone's width. The admin lists once made the whole page 435-551 px wide (the .two-col grid grew to the table's
width, and the table's visually hidden labels, positioned against the page, stretched it further)."""

from __future__ import annotations

import pytest

from tests.web.test_browser import sign_in

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 740}
PAGES = {
    None: ("/", "/theo-doi", "/cua-toi", "/cong-khai", "/thong-ke"),
    "dispatcher": ("/portal", "/portal/moi", "/thong-bao"),
    "admin": ("/admin", "/admin/nguoi-dung", "/admin/nguoi-dung?q=leader", "/admin/linh-vuc", "/admin/co-quan",
              "/admin/dia-ban", "/admin/phan-luong", "/admin/lich", "/admin/khoa-api", "/admin/nhat-ky"),
}


def test_no_page_is_wider_than_a_phone(chromium, live_server):
    too_wide = []
    for user, paths in PAGES.items():
        context = chromium.new_context(viewport=PHONE, locale="vi-VN")
        try:
            page = context.new_page()
            if user:
                sign_in(page, live_server.url, user)
            for path in paths:
                page.goto(live_server.url + path)
                width = page.evaluate("() => document.scrollingElement.scrollWidth")
                if width > PHONE["width"]:
                    too_wide.append(f"{user or 'citizen'} {path}: {width} px")
        finally:
            context.close()
    assert not too_wide, "pages wider than 360 px:\n" + "\n".join(too_wide)


def test_a_wide_table_scrolls_in_its_frame(chromium, live_server):
    """The users' table is wider than the phone; it scrolls inside .table-wrap, and every column stays reachable."""
    context = chromium.new_context(viewport=PHONE, locale="vi-VN")
    try:
        page = context.new_page()
        sign_in(page, live_server.url, "admin")
        page.goto(live_server.url + "/admin/nguoi-dung")
        frame = page.locator(".table-wrap").first
        box = frame.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        frame.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
        edit = page.locator(".table-wrap tbody tr").first.locator("a")
        edit_box = edit.bounding_box()
        assert 0 <= edit_box["x"] and edit_box["x"] + edit_box["width"] <= PHONE["width"]
    finally:
        context.close()
