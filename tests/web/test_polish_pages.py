"""Small polish that people notice: a favicon on every page, list titles cut on whole words, drawn icons instead of
emoji and symbol characters (which each phone draws differently, or as a box)."""

from __future__ import annotations

import html
import json
import re
import uuid
from pathlib import Path

import httpx
import pytest

from phananh.web.templating import shorten
from tests.support import AGENCY, report_in_state
from tests.web.test_pages import browser, sign_in  # noqa: F401  (the fixture)

FAVICON = '<link rel="icon" href="/static/icons/favicon.svg" type="image/svg+xml">'


@pytest.mark.parametrize("path", ["/", "/cong-khai", "/theo-doi", "/dang-nhap", "/thong-ke", "/dashboard"])
async def test_every_page_has_the_favicon(browser, path):  # noqa: F811
    r = await browser.get(path)
    assert r.status_code == 200 and FAVICON in r.text


async def test_the_favicon_is_served_as_svg(browser):  # noqa: F811
    r = await browser.get("/static/icons/favicon.svg")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")


def test_shorten_cuts_on_a_whole_word():
    text = "Ổ gà rất sâu giữa đường Nguyễn Tất Thành, xe máy đi ban đêm rất dễ té ngã"
    assert shorten(text, 40) == "Ổ gà rất sâu giữa đường Nguyễn Tất Thành…"  # the comma before the cut dropped
    assert shorten(text, 44) == "Ổ gà rất sâu giữa đường Nguyễn Tất Thành, xe…"
    assert shorten("Ngắn gọn", 40) == "Ngắn gọn"
    assert shorten("  nhiều   khoảng\ntrắng ", 40) == "nhiều khoảng trắng"
    assert shorten("x" * 50, 10) == "x" * 10 + "…"  # one long word: cut where it must
    assert shorten(None) == ""


async def test_public_list_cuts_long_titles_on_whole_words(browser, client, tokens):  # noqa: F811
    tag = uuid.uuid4().hex[:6]
    title = (f"Cống thoát nước {tag} bị tắc nghẽn kéo dài nhiều tuần khiến nước thải tràn lên mặt đường "
             "trước cổng trường tiểu học, học sinh phải lội nước mỗi sáng")
    await report_in_state(client, tokens, "published", title=title)
    html = (await browser.get("/cong-khai", params={"q": tag})).text
    assert title not in html
    cut = shorten(title, 100)
    assert f">{cut}</a>" in html and cut.endswith("…") and title.startswith(cut[:-1] + " ")


async def test_the_rating_form_is_gone_once_rated_and_a_second_rating_is_refused(browser, client, tokens):  # noqa: F811
    created = await report_in_state(client, tokens, "published")
    page = f"/theo-doi/{created['tracking_token']}"
    before = (await browser.get(page)).text
    assert f'action="{page}/danh-gia"' in before
    token = re.search(r'name="csrf_token" value="([^"]+)"', before).group(1)
    first = await browser.post(page + "/danh-gia", data={"csrf_token": token, "score": "4"})
    assert first.status_code == 303
    after = (await browser.get(page)).text
    assert f'action="{page}/danh-gia"' not in after and "4/5" in after
    # a form still open in another tab: refused in words, the first rating stands
    again = await browser.post(page + "/danh-gia", data={"csrf_token": token, "score": "1"})
    assert again.status_code == 303
    shown = (await browser.get(page)).text
    assert "Bạn đã đánh giá kết quả này rồi." in shown and "4/5" in shown and "1/5" not in shown


# Emoji and pictographic symbols: the emoji blocks, miscellaneous symbols and dingbats (★ ✓ ✕ ☎ ✔), geometric
# shapes (● ▶ ■), miscellaneous technical (⌛ ⏰), the arrows-and-symbols block (⭐ ⬆) and the emoji presentation
# selector. Plain text arrows (← →) and typographic marks stay allowed.
PICTOGRAPH = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u25A0-\u25FF\u2300-\u23FF\u2B00-\u2BFF\uFE0F]")
SRC = Path(__file__).resolve().parents[2] / "src" / "phananh"


def test_the_pictograph_check_catches_emoji():
    assert all(PICTOGRAPH.search(c) for c in ("★", "✓", "✕", "●", "📷", "⚠️", "🚧", "⏰"))
    assert not PICTOGRAPH.search("Đã tiếp nhận → xử lý · 5/5 “Ổ gà” …")


def test_templates_and_scripts_hold_no_emoji():
    files = [p for folder in ("web/templates", "web/static", "dashboard/templates", "dashboard/static")
             for p in (SRC / folder).rglob("*") if p.suffix in (".html", ".js", ".css") and "vendor" not in p.parts]
    assert len(files) > 20
    found = [f"{p.relative_to(SRC)}: {m.group()!r}" for p in files for m in PICTOGRAPH.finditer(p.read_text())]
    assert not found, found


async def test_rendered_pages_show_drawn_icons_not_emoji(browser, client, tokens):  # noqa: F811
    """A rated result (stars), the stepper (check marks), the staff timeline, admin lists and the dashboards."""
    created = await report_in_state(client, tokens, "published")
    page = f"/theo-doi/{created['tracking_token']}"
    token = re.search(r'name="csrf_token" value="([^"]+)"', (await browser.get(page)).text).group(1)
    assert (await browser.post(page + "/danh-gia", data={"csrf_token": token, "score": "4"})).status_code == 303
    pages = {}
    for path in ("/", "/cong-khai", "/theo-doi", "/dang-nhap", "/thong-ke", page, f"/cong-khai/{created['code']}"):
        pages[path] = (await browser.get(path)).text
    await sign_in(browser, "admin")
    for path in (f"/portal/phan-anh/{created['id']}", "/portal", "/dashboard", "/admin", "/admin/lich",
                 "/admin/nguoi-dung", "/admin/phan-luong", "/thong-bao"):
        pages[path] = (await browser.get(path)).text
    for path, text in pages.items():
        assert "<html" in text, path
        assert not PICTOGRAPH.search(text), f"{path}: {PICTOGRAPH.findall(text)}"
    rated = pages[page]
    rating = rated.split('id="rate-title"', 1)[1].split("</section>", 1)[0]
    assert rating.count('form.svg#star"') == 4 and "4/5" in rating  # four drawn stars beside the words
    assert 'form.svg#check"' in rated  # the stepper's done steps
    assert 'form.svg#menu"' in rated  # the phone header's menu button


def _cut(title: str, limit: int) -> str:
    cut = shorten(title, limit)
    assert cut.endswith("…") and title.startswith(cut[:-1] + " "), cut  # a whole-word cut of this title
    return cut


async def test_queue_cards_and_map_pins_cut_long_titles_on_whole_words(browser, client, tokens):  # noqa: F811
    """The Portal queue and the agency inbox (cards and map pins) and the public map's pins."""
    tag = uuid.uuid4().hex[:6]
    title = (f"Đèn chiếu sáng {tag} trên tuyến đường ven sông bị hỏng hàng loạt từ nhiều tuần nay, buổi tối người "
             "đi đường không nhìn thấy ổ gà và vật cản phía trước")
    published = await report_in_state(client, tokens, "published", title=title)
    assigned = await report_in_state(client, tokens, "assigned", title=title)

    public = (await browser.get("/cong-khai", params={"q": tag})).text
    points = json.loads(html.unescape(re.search(r'data-points="([^"]*)"', public).group(1)))
    assert [p["title"] for p in points if p["code"] == published["code"]] == [_cut(title, 60)]

    await sign_in(browser, "dispatcher")
    queue = (await browser.get("/portal", params={"q": tag, "status": "assigned"})).text
    assert title not in queue and f"<div>{_cut(title, 120)}</div>" in queue
    pins = json.loads(html.unescape(re.search(r"data-points='([^']*)'", queue).group(1)))
    assert [p["title"] for p in pins if p["code"] == assigned["code"]] == [_cut(title, 80)]

    async with httpx.AsyncClient(transport=browser._transport, base_url="http://testserver") as handler:
        await sign_in(handler, f"handler.{AGENCY}")
        inbox = (await handler.get("/agency", params={"q": tag})).text
    assert title not in inbox and f"<div>{_cut(title, 120)}</div>" in inbox
