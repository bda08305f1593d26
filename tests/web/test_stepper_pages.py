"""The status stepper on the tracking and public pages (issue 14), in Vietnamese and English, and the
confirmation the plain form's redirect shows (both databases)."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from tests.support import act, report_in_state, submit
from tests.web.test_pages import browser  # noqa: F401 (fixture)

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
VI_STEPS = ["Đã nhận", "Đã chuyển cơ quan", "Đang xử lý", "Đã có kết quả", "Đã công khai"]
EN_STEPS = ["Received at the Portal", "Passed to an agency", "Being worked on", "Result available", "Made public"]


def steps(html: str) -> list[tuple[str, str]]:
    """(state, label) of each step, in order."""
    block = html[html.index('id="stepper"'):html.index("</ol>", html.index('id="stepper"'))]
    return re.findall(r'<li class="step-(\w+)".*?<span class="step-label">([^<]+)</span>', block, re.S)


def text_of(html: str, element_id: str) -> str:
    m = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:p|dd)>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", m.group(1)).split()) if m else ""


async def test_a_new_report_stands_at_the_first_step_with_the_distribute_time_of_day(browser, client):  # noqa: F811
    created = await submit(client, anonymous=True, reporter=None, address="Số 5 đường Phan Ngọc Hiển")
    page = await browser.get(f"/theo-doi/{created['tracking_token']}")
    assert page.status_code == 200
    assert steps(page.text) == [("current", VI_STEPS[0])] + [("todo", s) for s in VI_STEPS[1:]]
    due = datetime.fromisoformat(next(d["due_at"] for d in created["deadlines"] if d["stage"] == "distribute"))
    hm = due.astimezone(LOCAL).strftime("%H:%M")
    assert text_of(page.text, "step-next").startswith(f"Bước tiếp theo: Cổng sẽ chuyển cho cơ quan xử lý trước {hm}")
    assert text_of(page.text, "step-category") == "Giao thông"
    assert "Số 5 đường Phan Ngọc Hiển" in text_of(page.text, "step-address")
    assert 'id="report-map"' in page.text and 'data-lat="9.1769"' in page.text
    assert "Phân phối, còn" not in page.text  # no jargon

    english = await browser.get(f"/theo-doi/{created['tracking_token']}?lang=en")
    assert [label for _state, label in steps(english.text)] == EN_STEPS
    assert text_of(english.text, "step-next").startswith(
        f"Next step: The Portal will pass it to the agency in charge before {hm}")
    assert text_of(english.text, "step-category") == "Traffic and transport"


async def test_the_steps_follow_the_report_and_say_what_went_differently(browser, client, tokens):  # noqa: F811
    handling = await report_in_state(client, tokens, "in_progress")
    page = await browser.get(f"/theo-doi/{handling['tracking_token']}")
    assert [s for s, _ in steps(page.text)] == ["done", "done", "current", "todo", "todo"]

    returned = await report_in_state(client, tokens, "returned")
    page = await browser.get(f"/theo-doi/{returned['tracking_token']}")
    assert [s for s, _ in steps(page.text)] == ["done", "current", "todo", "todo", "todo"]
    assert text_of(page.text, "step-detour") == "Cơ quan đã chuyển trả: Cổng đang chọn cơ quan đúng thẩm quyền"

    rejected = await report_in_state(client, tokens, "rejected")
    page = await browser.get(f"/theo-doi/{rejected['tracking_token']}?lang=en")
    assert [s for s, _ in steps(page.text)] == ["stopped", "todo", "todo", "todo", "todo"]
    assert text_of(page.text, "step-detour") == "Not accepted by the Portal"
    assert 'id="step-next"' not in page.text


async def test_the_public_page_shows_the_steps_and_the_public_position_only(browser, client, tokens):  # noqa: F811
    created = await report_in_state(client, tokens, "published", location={"lat": 9.18321, "lon": 105.15987})
    page = await browser.get(f"/cong-khai/{created['code']}")
    assert page.status_code == 200
    assert steps(page.text) == [("done", s) for s in VI_STEPS]
    assert text_of(page.text, "step-category") == "Giao thông"
    view = (await client.get(f"/api/v1/reports/{created['id']}")).json()  # the public view
    assert f'data-lat="{view["location"]["lat"]}"' in page.text

    sensitive = await report_in_state(client, tokens, "received", category="an-ninh-trat-tu",
                                      location={"lat": 9.18321, "lon": 105.15987})
    await act(client, sensitive["id"], "make_public", {}, headers=await tokens("dispatcher"))
    page = await browser.get(f"/cong-khai/{sensitive['code']}?lang=en")
    assert page.status_code == 200
    assert [s for s, _ in steps(page.text)] == ["current", "todo", "todo", "todo", "todo"]
    assert "9.18321" not in page.text and "105.15987" not in page.text  # snapped to the commune


async def test_the_plain_forms_redirect_shows_the_confirmation(browser, client):  # noqa: F811
    created = await submit(client, anonymous=True, reporter=None)
    page = await browser.get(f"/theo-doi/{created['tracking_token']}?moi=1")
    assert 'id="confirmation"' in page.text and "flash ok" not in page.text
    assert "Đã nhận phản ánh của bạn" in page.text
    assert f'<strong class="code" id="confirm-code">{created["tracking_code"]}</strong>' in page.text
    assert f'src="/theo-doi/{created["tracking_token"]}/qr.svg"' in page.text
    assert text_of(page.text, "confirm-promise").startswith("Cổng sẽ chuyển cho cơ quan xử lý trước ")
    assert "Gửi phản ánh khác" in page.text


async def test_a_qr_code_for_a_malformed_token_is_a_404_in_vietnamese(client):
    r = await client.get("/theo-doi/not%20a%20token!/qr.svg", headers={"Accept": "application/json"})
    assert r.status_code == 404
    assert r.json()["error"]["message"] == "Không tìm thấy"
