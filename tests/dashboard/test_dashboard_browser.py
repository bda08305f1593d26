"""In a real browser: the dashboard's numbers follow actions made elsewhere within a second, with no reload."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from phananh.web.templating import shorten
from tests.conftest import DEMO_PASSWORD, IN_CI
from tests.live.server import login, prepared_database, server
from tests.support import report_body

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail("chromium is missing: scripts/install-browser.sh installs it", pytrace=False)
        pytest.skip("chromium is not installed (scripts/install-browser.sh)")
    tmp = tmp_path_factory.mktemp("dashboard")
    url, drop = prepared_database("sqlite", tmp)
    # Tiles from an address that does not answer: the map must still show its points.
    with server(url, tmp, PHANANH_MAP_TILES_URL="http://127.0.0.1:9/{z}/{x}/{y}.png") as base_url:
        yield base_url
    drop()


async def _number(page, selector: str) -> int:
    text = await page.text_content(selector)
    digits = "".join(ch for ch in text or "" if ch.isdigit())
    return int(digits) if digits else -1


async def test_numbers_change_within_a_second_of_a_submit_and_an_assign_without_reload(base, csp_guard):
    from playwright.async_api import async_playwright

    async with httpx.AsyncClient(timeout=10) as client:
        supervisor = (await login(client, base, "supervisor"))["Authorization"].split()[1]
        dispatcher = await login(client, base, "dispatcher")
    host = base.split("//")[1].split(":")[0]
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            watching = await browser.new_context(locale="vi-VN")
            await csp_guard.watch(watching)
            await watching.add_cookies([{"name": "phananh_session", "value": supervisor, "domain": host, "path": "/"}])
            page = await watching.new_page()
            await page.goto(base + "/dashboard")
            await page.wait_for_function("() => document.getElementById('live').textContent.includes('Trực tiếp')",
                                         timeout=15000)
            await page.wait_for_function("() => document.getElementById('kpi-received').textContent !== '–'")
            await page.evaluate("window.__sameDocument = true")
            received, handling = await _number(page, "#kpi-received"), await _number(page, "#kpi-handling")
            assert await page.text_content("h1") == "Bảng điều hành phản ánh hiện trường"

            elsewhere = await browser.new_context()  # another person, in another browser context
            r = await elsewhere.request.post(base + "/api/v1/reports", data=report_body())
            assert r.status == 201
            report_id = (await r.json())["id"]
            await page.wait_for_function(f"() => Number(document.getElementById('kpi-received').textContent.replace(/\\D/g, '')) === {received + 1}",
                                         timeout=1000)
            r = await elsewhere.request.post(f"{base}/api/v1/reports/{report_id}/actions/assign",
                                             data={"agency": "so-y-te"}, headers=dispatcher)
            assert r.status == 200
            await page.wait_for_function(f"() => Number(document.getElementById('kpi-handling').textContent.replace(/\\D/g, '')) === {handling + 1}",
                                         timeout=1000)
            assert await page.evaluate("window.__sameDocument === true"), "the page was reloaded"
            # The map shows the points although no tile server answers.
            await page.wait_for_selector("#map path.leaflet-interactive, #map .marker-cluster", timeout=5000)
        finally:
            await browser.close()


async def test_the_dashboard_signs_in_through_the_staff_sign_in_page(base, csp_guard):
    """No session: off to the staff sign-in page and back; the session stays in an HttpOnly cookie that the
    page's scripts cannot read (the dashboard never writes a cookie itself)."""
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = await browser.new_context(locale="vi-VN")
            await csp_guard.watch(context)
            page = await context.new_page()
            await page.goto(base + "/dashboard")
            await page.wait_for_url("**/dang-nhap?next=%2Fdashboard", timeout=5000)
            await page.fill("#username", "supervisor")
            await page.fill("#password", DEMO_PASSWORD)
            await page.click("main form button[type=submit]")
            await page.wait_for_url(base + "/dashboard", timeout=5000)
            await page.wait_for_function("() => document.getElementById('kpi-received').textContent !== '–'", timeout=5000)
            assert "phananh_session" not in await page.evaluate("document.cookie")
            session = [c for c in await context.cookies() if c["name"] == "phananh_session"]
            assert session and session[0]["httpOnly"]
        finally:
            await browser.close()


EVIL = '<img src=x onerror="window.__xss=1">'


async def test_names_from_the_server_show_as_text_in_tooltips_and_tables(base, csp_guard):
    """An agency, a category and a report titled with HTML: shown as text in the chart tooltip and the overdue
    table; no element is made from it and nothing runs."""
    from playwright.async_api import async_playwright

    async def poisoned(route):
        response = await route.fetch()
        data = await response.json()
        data["by_category"] = [{"code": "x", "name": EVIL, "count": 3}]
        data["on_time"]["agency_ranking"] = [{"code": "x", "name": EVIL, "on_time": 1, "late": 1, "rate": 0.5}]
        data["now"]["overdue_list"] = [{"id": 1, "code": EVIL, "title": EVIL, "urgent": True, "stages": [EVIL],
                                        "category": {"code": "x", "name": EVIL}, "agency": {"code": "x", "name": EVIL},
                                        "overdue_seconds": 3600}]
        await route.fulfill(response=response, json=data)

    async with httpx.AsyncClient(timeout=10) as client:
        supervisor = (await login(client, base, "supervisor"))["Authorization"].split()[1]
    host = base.split("//")[1].split(":")[0]
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = await browser.new_context(locale="vi-VN")
            await csp_guard.watch(context)
            await context.add_cookies([{"name": "phananh_session", "value": supervisor, "domain": host, "path": "/"}])
            page = await context.new_page()
            await page.route("**/api/v1/stats/overview?*", poisoned)
            await page.goto(base + "/dashboard")
            await page.wait_for_selector("#overdue tbody td", timeout=5000)
            assert await page.text_content("#overdue tbody tr td:nth-child(4)") == EVIL
            for chart in ("chart-agencies", "chart-category"):
                # Asked again on each poll: a tip asked for before the chart's first frame shows nothing.
                await page.wait_for_function(f"""() => {{
                    const el = document.getElementById("{chart}");
                    echarts.getInstanceByDom(el).dispatchAction({{type: "showTip", seriesIndex: 0, dataIndex: 0}});
                    return el.innerText.includes("<img");
                }}""", timeout=10000)
            made = "document.querySelectorAll('#overdue img, #chart-agencies img, #chart-category img').length"
            assert await page.evaluate(made) == 0
            assert await page.evaluate("window.__xss") is None
        finally:
            await browser.close()


async def test_public_statistics_page_shows_figures_to_anyone(base, csp_guard):
    from playwright.async_api import async_playwright

    async with httpx.AsyncClient(timeout=10) as client:
        assert (await client.post(base + "/api/v1/reports", json=report_body())).status_code == 201
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = await browser.new_context(locale="vi-VN")  # the page follows the browser's language
            await csp_guard.watch(context)
            page = await context.new_page()
            await page.goto(base + "/thong-ke")
            await page.wait_for_function("() => document.getElementById('kpi-received').textContent !== '–'", timeout=5000)
            assert await _number(page, "#kpi-received") >= 1
            assert "Mức độ hài lòng" in await page.content()
        finally:
            await browser.close()


def test_vendored_libraries_carry_their_licences():
    vendor = Path(__file__).parents[2] / "src/phananh/dashboard/static/vendor"
    for lib in ("echarts", "leaflet", "leaflet.markercluster", "leaflet.heat"):
        assert (vendor / lib / "LICENSE").exists(), lib
    assert os.path.getsize(vendor / "echarts/echarts.min.js") > 500_000


SCREENSHOTS = Path(__file__).parents[2] / "test-artifacts" / "screenshots"
AXE = Path(__file__).parents[1] / "web" / "vendor" / "axe.min.js"


async def _axe_serious(page) -> list[str]:
    """axe-core's serious and critical findings (loaded through DevTools: the CSP refuses an inline script)."""
    await page.evaluate(AXE.read_text() + "\n;0")
    return await page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
             .filter(v => v.impact === 'serious' || v.impact === 'critical')
             .map(v => `${v.id}: ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`)""")


async def test_dashboard_fits_a_phone_in_english_with_viet_nam_times(base, csp_guard):
    """At 360 px: no sideways scroll; under ?lang=en the page is English; a browser in New York still reads
    Viet Nam time, written out ("2 Dec 2026, 10:30 ICT"); every on-time rate carries its sample size; overdue
    rows and agency bars lead to the report and to the agency's overdue queue."""
    from datetime import datetime, timedelta, timezone

    from playwright.async_api import async_playwright

    async with httpx.AsyncClient(timeout=10) as client:
        supervisor = (await login(client, base, "supervisor"))["Authorization"].split()[1]
        created = (await client.post(base + "/api/v1/reports", json=report_body())).json()
    host = base.split("//")[1].split(":")[0]

    async def with_overdue(route):  # a fresh database has nothing overdue yet: one overdue row, one ranked agency
        response = await route.fetch()
        data = await response.json()
        data["now"]["overdue_list"] = [{
            "id": created["id"], "code": created["code"], "urgent": False, "stages": ["distribute"],
            "title": "Ổ gà rất sâu giữa đường Nguyễn Tất Thành, xe máy đi ban đêm rất dễ té ngã và gây tai nạn",
            "category": {"code": "giao-thong", "name": "Giao thông"}, "agency": None, "overdue_seconds": 5400}]
        data["on_time"]["agency_ranking"] = [{"code": "so-y-te", "name": "Sở Y tế", "on_time": 3, "late": 1,
                                              "rate": 0.75}]
        data["satisfaction"].update(average=11 / 3, count=3)  # 4, 4 and 3 stars
        await route.fulfill(response=response, json=data)

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = await browser.new_context(viewport={"width": 360, "height": 740}, locale="en-US",
                                                timezone_id="America/New_York")
            await csp_guard.watch(context)
            await context.add_cookies([{"name": "phananh_session", "value": supervisor, "domain": host, "path": "/"}])
            page = await context.new_page()
            await page.route("**/api/v1/stats/overview?*", with_overdue)
            await page.goto(base + "/dashboard?lang=en")
            await page.wait_for_function("() => document.getElementById('kpi-received').textContent !== '–'",
                                         timeout=10000)
            await page.wait_for_function("() => document.querySelector('#stages tbody tr')", timeout=5000)
            assert await page.text_content("h1") == "Field report dashboard"
            assert await page.evaluate("new Date().getTimezoneOffset()") in (240, 300)  # the browser is in New York
            viet_nam = datetime.now(timezone(timedelta(hours=7)))
            updated = await page.text_content("#updated")
            assert updated.endswith(" ICT")
            wanted = {(viet_nam + timedelta(minutes=m)).strftime("%-d %b %Y, %H:%M ICT") for m in (-1, 0, 1)}
            assert updated in wanted, (updated, wanted)
            assert "n=" in await page.text_content("#kpi-on-time-n")
            assert await page.text_content("#kpi-rating") == "3.7 / 5"  # one decimal, as the rates; not 3.667
            rates = await page.eval_on_selector_all("#stages tbody td:nth-child(4)", "els => els.map(e => e.textContent)")
            assert rates and all("(n=" in r for r in rates), rates
            body = await page.inner_text("main")
            for word in ("Quá hạn", "Tiếp nhận", "Lĩnh vực", "giờ Việt Nam"):
                assert word not in body, word
            assert "Overdue reports" in body and "On-time rate" in body

            overdue = await page.eval_on_selector_all("#overdue tbody a", "els => els.map(e => e.getAttribute('href'))")
            assert overdue == [f"/portal/phan-anh/{created['id']}"]
            title = await page.text_content("#overdue tbody td:nth-child(2)")
            full = "Ổ gà rất sâu giữa đường Nguyễn Tất Thành, xe máy đi ban đêm rất dễ té ngã và gây tai nạn"
            assert title == shorten(full, 80) and full.startswith(title[:-1] + " ")  # cut on a whole word, as the site
            assert await page.text_content("#overdue tbody td:nth-child(4)") == "Provincial Portal"
            queues = await page.eval_on_selector_all("#agency-links a", "els => els.map(e => e.getAttribute('href'))")
            assert queues == ["/portal?agency=so-y-te&overdue=1"]

            await page.wait_for_timeout(500)  # charts and map laid out
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= 360, f"the page is {width} px wide at 360 px"
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(SCREENSHOTS / "dashboard-phone-360.png"), full_page=True)
            assert await _axe_serious(page) == []
            await page.click("#overdue tbody a")  # an overdue row opens the report in the Portal
            await page.wait_for_url(f"**/portal/phan-anh/{created['id']}", timeout=5000)
            assert created["code"] in await page.text_content("h1")

            page = await context.new_page()
            await page.goto(base + "/thong-ke?lang=en")
            await page.wait_for_function("() => document.getElementById('kpi-received').textContent !== '–'",
                                         timeout=10000)
            assert await page.text_content("h1") == "Field report statistics"
            assert await page.locator("header.top nav a[href='/cong-khai']").count() == 1
            assert await page.evaluate("document.documentElement.scrollWidth") <= 360
            assert await _axe_serious(page) == []
        finally:
            await browser.close()
