"""Issue 14 on the web pages (both databases): the success box leads with the grouped tracking code, "Tra cứu"
takes the code in any case or the report's code plus the phone's last 4 digits, and the Portal changes a
report's category from its page."""

from __future__ import annotations

import re

from tests.support import report_in_state, submit
from tests.web.test_pages import TOKEN, browser, field_errors, form_token, sign_in  # noqa: F401 (fixture)

GROUPED = re.compile(r'<strong class="code"[^>]*>([2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4})</strong>')


async def test_the_success_box_shows_the_grouped_tracking_code_first(browser, client):  # noqa: F811
    created = await submit(client, anonymous=True, reporter=None)
    page = await browser.get(f"/theo-doi/{created['tracking_token']}?moi=1")
    assert page.status_code == 200
    shown = GROUPED.search(page.text)
    assert shown and shown.group(1) == created["tracking_code"]
    box = page.text[page.text.index('id="confirmation"'):]
    assert box.index(created["tracking_code"]) < box.index(created["code"])
    typed = await browser.get(f"/theo-doi/{created['tracking_code'].lower()}")
    assert typed.status_code == 200 and created["code"] in typed.text


async def test_tra_cuu_with_the_report_code_and_the_phones_last_digits(browser, client):  # noqa: F811
    created = await submit(client, reporter={"name": "Phạm Văn Năm", "phone": "0913 222 468"})
    token = await form_token(browser, "/theo-doi")
    found = await browser.post("/theo-doi", data={"csrf_token": token, "code": created["code"], "phone_last4": "2468"})
    assert found.status_code == 200 and f"Phản ánh {created['code']}" in found.text
    assert "0913" not in found.text
    wrong = await browser.post("/theo-doi", data={"csrf_token": token, "code": created["code"], "phone_last4": "2469"})
    assert wrong.status_code == 404
    assert field_errors(wrong.text) == ["Không có phản ánh nào với mã và số điện thoại này."]
    short = await browser.post("/theo-doi", data={"csrf_token": token, "code": created["code"], "phone_last4": "24"})
    assert short.status_code == 422


async def test_the_portal_changes_the_category_from_the_report_page(browser, client, tokens):  # noqa: F811
    created = await report_in_state(client, tokens, "received", category="dich-benh")
    token = await sign_in(browser, "dispatcher")
    page = await browser.get(f"/portal/phan-anh/{created['id']}")
    assert "Đổi lĩnh vực" in page.text and 'name="category"' in page.text
    done = await browser.post(f"/portal/phan-anh/{created['id']}/reclassify",
                              data={"csrf_token": token, "category": "giao-thong", "reason": "Ổ gà"})
    assert done.status_code == 303
    view = (await client.get(f"/api/v1/reports/{created['id']}", headers=await tokens("dispatcher"))).json()
    assert view["category"] == "giao-thong"
    empty = await browser.post(f"/portal/phan-anh/{created['id']}/reclassify",
                               data={"csrf_token": token, "category": ""})
    assert empty.status_code == 422
