"""Small polish that people notice: a favicon on every page, list titles cut on whole words."""

from __future__ import annotations

import re
import uuid

import pytest

from phananh.web.templating import shorten
from tests.support import report_in_state
from tests.web.test_pages import browser  # noqa: F401  (the fixture)

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
