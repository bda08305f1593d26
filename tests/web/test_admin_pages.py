"""Admin pages that scale: users found by search (any case, no diacritics needed) and paged; every delete and
revoke behind a confirmation; the calendar as a month grid with its sources in words; a copy button for a new key."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone

from sqlalchemy import insert

from phananh.auth.tables import users
from tests.web.test_pages import browser, sign_in  # noqa: F401  (the fixture)

ROW = re.compile(r'href="/admin/nguoi-dung\?ma=([^"]+)"')


async def test_users_page_searches_without_diacritics_and_pages_by_fifty(browser, engine):  # noqa: F811
    tag = uuid.uuid4().hex[:6]
    async with engine.begin() as conn:  # 55 accounts (no password: they never sign in)
        await conn.execute(insert(users), [
            {"username": f"cb{tag}.{i:02d}", "role": "supervisor", "full_name": f"Nguyễn Văn Đức {tag} {i:02d}",
             "email": f"cb{i}@{tag}.gov.vn", "active": True, "created_at": datetime.now(timezone.utc)}
            for i in range(55)])
    await sign_in(browser, "admin")
    everyone = await browser.get("/admin/nguoi-dung")
    assert everyone.status_code == 200
    assert len(ROW.findall(everyone.text)) == 50 and "trang 1/" in everyone.text

    found = await browser.get("/admin/nguoi-dung", params={"q": f"nguyen van duc {tag.upper()}"})
    assert len(ROW.findall(found.text)) == 50 and "55 kết quả · trang 1/2" in found.text
    assert f'href="/admin/nguoi-dung?q=nguyen%20van%20duc%20{tag.upper()}&amp;trang=2"' in found.text
    second = await browser.get("/admin/nguoi-dung", params={"q": f"nguyen van duc {tag}", "trang": 2})
    assert [u for u in ROW.findall(second.text)] == [f"cb{tag}.{i:02d}" for i in range(50, 55)]
    by_mail = await browser.get("/admin/nguoi-dung", params={"q": f"cb7@{tag}"})
    assert ROW.findall(by_mail.text) == [f"cb{tag}.07"]
    none = await browser.get("/admin/nguoi-dung", params={"q": "không có ai tên này"})
    assert ROW.findall(none.text) == [] and "0 kết quả" in none.text
    assert (await browser.get("/admin/nguoi-dung", params={"trang": "x"})).status_code == 422


async def test_every_delete_and_revoke_asks_first(browser):  # noqa: F811
    token = await sign_in(browser, "admin")
    await browser.post("/admin/khoa-api", data={"csrf_token": token, "partner": f"Đối tác {uuid.uuid4().hex[:4]}"})
    for path, field in (("/admin/phan-luong", 'name="delete"'), ("/admin/lich?nam=2026", 'name="remove"'),
                        ("/admin/khoa-api", "/thu-hoi")):
        html = (await browser.get(path)).text
        forms = html.count(field)
        assert forms > 0, path
        # each one inside a closed <details class="confirm"> whose form asks before acting
        assert html.count('<details class="confirm">') == forms, path
        assert html.count("Đồng ý xóa") + html.count("Đồng ý thu hồi") == forms, path
        assert 'class="linklike" type="submit">Xóa' not in html and 'type="submit">Thu hồi' not in html


async def test_calendar_is_a_month_grid_with_its_sources_in_words(browser):  # noqa: F811
    await sign_in(browser, "admin")
    html = (await browser.get("/admin/lich", params={"nam": 2026})).text
    assert html.count('<table class="cal-month">') == 12
    assert "<caption>Tháng 9</caption>" in html and '<abbr title="CN">CN</abbr>' in html
    # 2 September (National Day) is a day off from the regulation; Saturday 22 August a make-up working day
    assert re.search(r'<td class="cal-day day_off" title="[^"]*">2<span class="visually-hidden"> Ngày nghỉ', html)
    assert re.search(r'<td class="cal-day working_day" title="[^"]*">22<', html)
    assert '<td class="cal-day weekend">6</td>' in html  # Sunday 6 September 2026, an ordinary weekend day
    assert "Nguồn: quy định" in html and ">holidays<" not in html
    english = (await browser.get("/admin/lich", params={"nam": 2026, "lang": "en"})).text
    assert "Source: regulation" in english and "<caption>Month 9</caption>" in english


async def test_a_new_api_key_has_a_copy_button(browser):  # noqa: F811
    token = await sign_in(browser, "admin")
    issued = await browser.post("/admin/khoa-api", data={"csrf_token": token, "partner": "Zalo OA Cà Mau"})
    assert 'data-copy="new-key"' in issued.text and 'data-copied="Đã sao chép"' in issued.text
    assert '<script src="/static/admin.js"></script>' in issued.text
    assert (await browser.get("/static/admin.js")).status_code == 200
