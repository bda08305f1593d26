"""The dispatcher's redaction tool in Debian's chromium (issue 9): a rectangle drawn over a photo and an edited text,
then the result published; the public page shows the edited text and the photo blurred where the rectangle was."""

from __future__ import annotations

import asyncio
import io
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from PIL import Image
from playwright.sync_api import expect

from phananh.config import Settings
from phananh.db import create_engine
from phananh.reports import derivatives
from tests.conftest import DEMO_PASSWORD
from tests.privacy.photo_support import ASTRONAUT_FACE, astronaut_jpeg, sharpness
from tests.support import AGENCY, report_body
from tests.web.test_browser import sign_in

pytestmark = pytest.mark.browser

SECRET = "Nhà ông Nguyễn Văn Tư, số 12 hẻm 3"
BOX = (300, 20, 120, 120)  # the shuttle in the astronaut photo's upper right, on the original's pixels


def _process(live_server) -> derivatives.Processed:
    """The worker's pass, run against the live server's database and media folder."""
    async def run():
        settings = Settings(database_url=live_server.db_url, media_dir=Path(live_server.db_path).parent / "media")
        engine = create_engine(settings.database_url)
        try:
            return await derivatives.process_due(engine, settings, limit=10_000)
        finally:
            await engine.dispose()
    # Playwright's sync API keeps an event loop running in this thread: the pass gets a thread of its own.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def test_dispatcher_redacts_a_photo_and_the_text_then_the_public_sees_the_redacted_versions(chromium, live_server):
    base = live_server.url
    body = report_body(description=f"Rác đổ trước {SECRET}, bốc mùi nhiều ngày.")
    r = httpx.post(base + "/api/v1/reports", data={"report": json.dumps(body)},
                   files={"files": ("astronaut.jpg", astronaut_jpeg(), "image/jpeg")}, timeout=30)
    assert r.status_code == 201, r.text
    created = r.json()
    photo = created["media"][0]
    assert photo["id"] in _process(live_server).ready

    context = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
    page = context.new_page()
    sign_in(page, base, "dispatcher")
    page.goto(f"{base}/portal/phan-anh/{created['id']}")
    page.click("#act-redact summary")
    img = page.locator(".redact-photo img")
    # Polled by Playwright itself: a wait_for_function string would be eval'd in the page, which the CSP refuses.
    expect(img).to_have_js_property("naturalWidth", 512)
    expect(page.locator(".redact-box.auto")).to_have_count(1)  # the astronaut's face, found by the worker

    page.fill("#redact-public_description", "Rác đổ trước một nhà dân, bốc mùi nhiều ngày.")
    # The mouse draws at viewport coordinates: the photo (below the text fields) must be on screen, as the
    # dispatcher scrolls to it. Off screen, the press lands on nothing and no box is drawn.
    img.scroll_into_view_if_needed()
    shown = img.bounding_box()
    assert 0 <= shown["y"] and shown["y"] + shown["height"] <= page.viewport_size["height"], shown
    scale = shown["width"] / 512
    x, y, w, h = BOX
    page.mouse.move(shown["x"] + x * scale, shown["y"] + y * scale)
    page.mouse.down()
    page.mouse.move(shown["x"] + (x + w / 2) * scale, shown["y"] + (y + h / 2) * scale, steps=4)
    page.mouse.move(shown["x"] + (x + w) * scale, shown["y"] + (y + h) * scale, steps=4)
    page.mouse.up()
    expect(page.locator(".redact-box.manual")).to_have_count(1)
    page.click("#act-redact button[type=submit]")
    expect(page.locator(".flash.ok").first).to_be_visible()

    assert photo["id"] in _process(live_server).ready  # the copy made again, with the dispatcher's box
    # The agency handles it (through the API), then the dispatcher publishes the result from the page.
    for username, action, payload in (("dispatcher", "assign", {"agency": AGENCY}),
                                      (f"handler.{AGENCY}", "resolve", {"result": "Đã thu gom rác."})):
        token = httpx.post(base + "/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD},
                           timeout=30).json()["access_token"]
        done = httpx.post(f"{base}/api/v1/reports/{created['id']}/actions/{action}", json=payload,
                          headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert done.status_code == 200, done.text
    page.goto(f"{base}/portal/phan-anh/{created['id']}")
    expect(page.locator("#act-publish")).to_have_attribute("open", "")  # the next step, opened by the page
    page.click("#act-publish button[type=submit]")
    expect(page.locator(".flash.ok").first).to_be_visible()
    context.close()

    public = chromium.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    page = public.new_page()
    page.goto(f"{base}/cong-khai/{created['code']}")
    expect(page.locator("main")).to_contain_text("Rác đổ trước một nhà dân")
    assert SECRET not in page.content()
    expect(page.locator("main .photos img")).to_have_count(1)
    expect(page.locator("main .photos img")).not_to_have_js_property("naturalWidth", 0)
    src = page.locator("main .photos img").get_attribute("src")
    public.close()

    served = Image.open(io.BytesIO(httpx.get(base + src, timeout=10).content))
    original = Image.open(io.BytesIO(astronaut_jpeg()))
    drawn = (x + 4, y + 4, w - 8, h - 8)  # inside what was drawn, whatever the rounding of a scaled mouse
    assert sharpness(served, drawn) <= 0.3 * sharpness(original, drawn)
    assert sharpness(served, ASTRONAUT_FACE) <= 0.3 * sharpness(original, ASTRONAUT_FACE)
    assert len(served.getexif()) == 0
