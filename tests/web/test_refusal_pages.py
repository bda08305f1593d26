"""The service's domain errors at the web edge: a console action that the report's state no longer allows comes
back as a Vietnamese sentence naming the state, not as an error page (both DBs)."""

from __future__ import annotations

from tests.support import report_in_state
from tests.web.test_pages import browser, sign_in  # noqa: F401 (browser: a fixture)


async def test_a_stale_console_action_is_refused_in_words_naming_the_state(browser, client, tokens):  # noqa: F811
    created = await report_in_state(client, tokens, "rejected")
    token = await sign_in(browser, "dispatcher")
    r = await browser.post(f"/portal/phan-anh/{created['id']}/assign",
                           data={"csrf_token": token, "agency": "so-xay-dung"})
    assert r.status_code == 303
    page = await browser.get(r.headers["location"])
    assert "Không thể thực hiện nữa: phản ánh hiện ở trạng thái “Đã từ chối”." in page.text, page.text[:3000]
