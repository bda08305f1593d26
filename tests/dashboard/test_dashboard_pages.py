"""The dashboard and public statistics pages as served: the site's header and footer, a favicon, both languages,
and the texts their scripts write handed over translated (no Vietnamese left in the scripts)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from tests.conftest import DEMO_PASSWORD

STATIC = Path(__file__).parents[2] / "src/phananh/dashboard/static"
VIETNAMESE = re.compile("[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.IGNORECASE)


@pytest.fixture
async def browser(app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        yield c


def texts(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="dash-texts">(.*?)</script>', html, re.S).group(1))


async def test_public_statistics_has_the_sites_navigation_and_speaks_english(browser):
    r = await browser.get("/thong-ke")
    assert r.status_code == 200
    assert '<header class="top">' in r.text and "<footer>" in r.text and 'href="/cong-khai"' in r.text
    assert '<link rel="icon"' in r.text
    assert "<h1>Thống kê phản ánh hiện trường</h1>" in r.text
    assert texts(r.text)["stage"]["respond"] == "Phản hồi của đơn vị"

    r = await browser.get("/thong-ke?lang=en")
    assert '<html lang="en">' in r.text
    assert "<h1>Field report statistics</h1>" in r.text and "Citizens&#39; satisfaction" in r.text
    assert not VIETNAMESE.search(r.text.split("<main", 1)[1].split("</main>")[0]), "Vietnamese left in the English page"
    assert texts(r.text)["sample"] == "n={n}"


async def test_dashboard_in_english_with_links_for_the_viewers_console(browser):
    r = await browser.post("/api/v1/auth/login", json={"username": "supervisor", "password": DEMO_PASSWORD})
    browser.cookies.set("phananh_session", r.json()["access_token"])
    r = await browser.get("/dashboard?lang=en")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    assert "<h1>Field report dashboard</h1>" in r.text
    assert 'data-links="/portal"' in r.text and 'data-lang="en"' in r.text
    assert 'href="/dashboard"' in r.text  # the site's staff navigation
    main = r.text.split("<main", 1)[1].split("</main>")[0]
    assert not VIETNAMESE.search(main), "Vietnamese left in the English page"
    t = texts(r.text)
    assert t["live_on"] == "Live" and t["status"]["in_progress"] == "Being handled"
    r = await browser.get("/dashboard?lang=vi")
    assert texts(r.text)["live_on"] == "Trực tiếp" and "<h1>Bảng điều hành phản ánh hiện trường</h1>" in r.text


def test_the_scripts_hold_no_vietnamese_text():
    for name in ("common.js", "dashboard.js", "public.js"):
        assert not VIETNAMESE.search((STATIC / name).read_text()), name
