"""Issue 14 in the staff consoles, without a browser (both databases): a returned report says who returned it,
when and why, and is not suggested to that agency again; the inbox leads with the deadline to respond; the agency
page has its action bar; the queue shows photo thumbnails once the public copy is made; the urgent panel folds once
the contact is logged."""

from __future__ import annotations

import io
import json
import re
import uuid

from PIL import Image

from phananh.reports import derivatives
from tests.support import AGENCY, act, report_body, report_in_state, submit
from tests.web.test_pages import browser, sign_in  # noqa: F401 (fixture)

COMMUNE = "ubnd-phuong-an-xuyen"  # the commune committee the routing rules pick for its own area's litter
PROVINCE_WIDE = "so-nong-nghiep-va-moi-truong"  # the province-wide rule for the same category
SELECTED = re.compile(r'<option value="([^"]*)" selected>')


def selected_agency(html: str) -> str | None:
    assign = html[html.index('id="assign-agency"'):]
    found = SELECTED.search(assign[:assign.index("</select>")])
    return found.group(1) if found else None


def card_of(html: str, report_id: int) -> str:
    """The inbox card (<li>) that links to the report."""
    at = html.index(f'href="/agency/phan-anh/{report_id}"')
    return html[html.rindex("<li", 0, at):html.index("</li>", at)]


async def test_a_returned_report_leads_with_who_returned_it_and_another_agency_is_suggested(
        browser, client, tokens):  # noqa: F811
    created = await submit(client, category="ve-sinh-moi-truong", area="phuong-an-xuyen")
    await sign_in(browser, "dispatcher")
    page = (await browser.get(f"/portal/phan-anh/{created['id']}")).text
    assert selected_agency(page) == COMMUNE and 'id="returned-banner"' not in page

    await act(client, created["id"], "assign", {"agency": COMMUNE}, headers=await tokens("dispatcher"))
    await act(client, created["id"], "return", {"reason": "Khu đất thuộc dự án của tỉnh, không thuộc phường"},
              headers=await tokens(f"handler.{COMMUNE}"))
    page = (await browser.get(f"/portal/phan-anh/{created['id']}")).text
    banner = page[page.index('id="returned-banner"'):page.index("</section>", page.index('id="returned-banner"'))]
    assert "Bị chuyển trả bởi UBND phường An Xuyên" in banner
    assert "Khu đất thuộc dự án của tỉnh, không thuộc phường" in banner
    assert re.search(r"<time datetime=\"[^\"]+\+07:00\">\d\d:\d\d \d\d/\d\d/\d{4}</time>", banner)
    assert page.index('id="returned-banner"') < page.index("<h1")  # at the top, before the report itself
    assert selected_agency(page) == PROVINCE_WIDE
    assert f'value="{COMMUNE}" selected' not in page


async def test_no_agency_is_suggested_when_the_only_routed_one_returned_the_report(browser, client, tokens):  # noqa: F811
    created = await report_in_state(client, tokens, "returned")  # giao-thong, returned by Sở Xây dựng
    await sign_in(browser, "dispatcher")
    page = (await browser.get(f"/portal/phan-anh/{created['id']}")).text
    assert "Bị chuyển trả bởi Sở Xây dựng" in page and "Sai thẩm quyền" in page
    assert selected_agency(page) is None
    assert "không được gợi ý lại" in page
    # assigned again elsewhere, the banner goes: the report is no longer waiting for the Portal
    await act(client, created["id"], "assign", {"agency": "so-cong-thuong"},
              headers=await tokens("dispatcher"))
    assert 'id="returned-banner"' not in (await browser.get(f"/portal/phan-anh/{created['id']}")).text


async def test_inbox_cards_lead_with_the_deadline_to_respond_and_show_the_return_window_as_a_chip(
        browser, client, tokens):  # noqa: F811
    assigned = await report_in_state(client, tokens, "assigned")
    answered = await report_in_state(client, tokens, "in_progress")
    await sign_in(browser, f"handler.{AGENCY}")
    # Found by its code: the inbox shows 50 reports, and earlier tests of the session fill it with others.
    page = (await browser.get("/agency", params={"q": assigned["code"]})).text
    card = card_of(page, assigned["id"])
    lead = re.search(r'<p class="lead-deadline">(.*?)</p>', card, re.S).group(1)
    assert "Phản hồi trước" in lead and "chuyển trả" not in lead.lower()
    assert card.index("lead-deadline") < card.index(f'href="/agency/phan-anh/{assigned["id"]}"')
    assert re.search(r'<span class="chip return-window">Có thể chuyển trả đến \d\d:\d\d</span>', card)
    page = (await browser.get("/agency", params={"q": answered["code"]})).text
    card = card_of(page, answered["id"])
    assert "Đã phản hồi: tiếp theo là gửi kết quả" in card and "return-window" not in card


async def test_the_agency_page_has_an_action_bar_with_what_the_handler_may_do_now(browser, client, tokens):  # noqa: F811
    assigned = await report_in_state(client, tokens, "assigned")
    answered = await report_in_state(client, tokens, "in_progress")
    await sign_in(browser, f"handler.{AGENCY}")
    page = (await browser.get(f"/agency/phan-anh/{assigned['id']}")).text
    bar = page[page.index('id="action-bar"'):page.index("</nav>", page.index('id="action-bar"'))]
    assert re.findall(r'href="#(act-\w+)"[^>]*>([^<]+)<', bar) == [
        ("act-respond", "Phản hồi"), ("act-resolve", "Gửi kết quả"), ("act-return", "Chuyển trả")]
    assert all(f'id="{target}"' in page for target in ("act-respond", "act-resolve", "act-return"))
    page = (await browser.get(f"/agency/phan-anh/{answered['id']}")).text
    bar = page[page.index('id="action-bar"'):page.index("</nav>", page.index('id="action-bar"'))]
    assert re.findall(r'href="#(act-\w+)"', bar) == ["act-resolve"]


async def test_the_urgent_panel_folds_once_the_contact_is_logged(browser, client, tokens):  # noqa: F811
    created = await submit(client)
    dispatcher = await tokens("dispatcher")
    await act(client, created["id"], "flag_urgent", {}, headers=dispatcher)
    await sign_in(browser, "dispatcher")
    page = (await browser.get(f"/portal/phan-anh/{created['id']}")).text
    assert '<section class="card urgent-panel"' in page and "Đã ghi nhận liên hệ" not in page
    await act(client, created["id"], "log_contact",
              {"contact": "Ông Lê Văn Tám", "channel": "phone", "outcome": "Đã cử người xử lý"}, headers=dispatcher)
    page = (await browser.get(f"/portal/phan-anh/{created['id']}")).text
    panel = re.search(r'<details class="card urgent-panel" id="urgent-panel"( open)?>\s*<summary>(.*?)</summary>',
                      page, re.S)
    assert panel and panel.group(1) is None  # folded
    assert "Đã ghi nhận liên hệ" in panel.group(2) and "Ông Lê Văn Tám" in panel.group(2) and "Gọi điện" in panel.group(2)
    # flagged urgent again later: a new contact is due, the panel is open again
    await act(client, created["id"], "unflag_urgent", {}, headers=dispatcher)
    await act(client, created["id"], "flag_urgent", {}, headers=dispatcher)
    page = (await browser.get(f"/portal/phan-anh/{created['id']}")).text
    assert '<section class="card urgent-panel"' in page


async def test_queue_rows_show_a_thumbnail_once_the_photos_public_copy_is_ready(
        browser, client, engine, settings):  # noqa: F811
    marker = uuid.uuid4().hex[:10]
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), "#8a6d3b").save(buf, "JPEG")
    r = await client.post("/api/v1/reports", data={"report": json.dumps(report_body(description=f"Ổ gà {marker} rất sâu"))},
                          files={"files": ("o-ga.jpg", buf.getvalue(), "image/jpeg")})
    assert r.status_code == 201, r.text
    photo_id = r.json()["media"][0]["id"]
    await sign_in(browser, "dispatcher")
    page = (await browser.get("/portal", params={"q": marker})).text
    assert 'class="queue-thumb"' not in page  # still being processed: no broken image
    await derivatives.process_due(engine, settings, limit=10_000)
    page = (await browser.get("/portal", params={"q": marker})).text
    assert f'<img class="queue-thumb" src="/api/v1/media/{photo_id}"' in page
    points = json.loads(re.search(r"data-points='([^']*)'", page).group(1))
    assert [p["code"] for p in points] == [r.json()["code"]] and points[0]["lat"] == 9.1769
