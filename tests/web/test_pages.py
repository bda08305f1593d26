"""The web pages without a browser (on SQLite and PostgreSQL): sessions, CSRF, forms that explain and keep
input, privacy of the public site, admin edits, languages."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from phananh.auth import service as auth_service
from phananh.i18n import _catalog
from tests.conftest import DEMO_PASSWORD
from tests.support import report_in_state
from tests.web.msgids import web_msgids

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
async def browser(app):
    """A client with its own cookie jar, like one browser (the shared `client` must stay cookie-free)."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        yield c


async def form_token(c: httpx.AsyncClient, path: str) -> str:
    r = await c.get(path)
    assert r.status_code == 200, r.text[:500]
    return TOKEN.search(r.text).group(1)


async def sign_in(c: httpx.AsyncClient, username: str) -> str:
    token = await form_token(c, "/dang-nhap")
    r = await c.post("/dang-nhap", data={"csrf_token": token, "username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 303, r.text[:500]
    return await form_token(c, "/cong-khai")  # a signed-in browser's token is bound to its new session


def field_errors(html: str) -> list[str]:
    return re.findall(r'class="field-error"[^>]*>([^<]+)<', html)


async def test_staff_sign_in_keeps_the_token_in_an_httponly_lax_cookie(browser):
    token = await form_token(browser, "/dang-nhap")
    r = await browser.post("/dang-nhap", data={"csrf_token": token, "username": "dispatcher", "password": "sai"})
    assert r.status_code == 422
    assert "Sai tên đăng nhập hoặc mật khẩu." in field_errors(r.text)
    assert 'value="dispatcher"' in r.text and 'value="sai"' not in r.text
    r = await browser.post("/dang-nhap", data={"csrf_token": token, "username": "dispatcher", "password": DEMO_PASSWORD})
    assert r.status_code == 303 and r.headers["location"] == "/portal"
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("phananh_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    assert (await browser.get("/portal")).status_code == 200


async def test_the_session_cookie_is_secure_over_https(app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver") as c:
        token = await form_token(c, "/dang-nhap")
        r = await c.post("/dang-nhap", data={"csrf_token": token, "username": "dispatcher", "password": DEMO_PASSWORD})
        cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("__Host-phananh_session="))
        assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie


async def test_a_form_without_its_csrf_token_is_refused(browser):
    await sign_in(browser, "dispatcher")
    r = await browser.post("/portal/moi", data={"category": "giao-thong", "description": "x", "address": "y",
                                                "anonymous": "1"})
    assert r.status_code == 403
    r = await browser.post("/dang-xuat", data={"csrf_token": "forged"})
    assert r.status_code == 403
    assert (await browser.get("/portal")).status_code == 200  # still signed in


async def test_consoles_send_the_wrong_people_to_sign_in(browser):
    r = await browser.get("/portal/moi")
    assert r.status_code == 303 and r.headers["location"].startswith("/dang-nhap")
    await sign_in(browser, "handler.so-xay-dung")
    assert (await browser.get("/portal")).status_code == 303
    assert (await browser.get("/admin")).status_code == 303
    assert (await browser.get("/agency")).status_code == 200


async def test_hotline_form_answers_in_vietnamese_next_to_the_field_and_keeps_the_input(browser):
    token = await sign_in(browser, "dispatcher")
    typed = "Người dân gọi báo cây dừa đổ chắn ngang đường số 3"
    r = await browser.post("/portal/moi", data={"csrf_token": token, "channel": "hotline", "description": typed,
                                                "reporter.name": "Lê Văn Tám", "reporter.phone": "0912000111"})
    assert r.status_code == 422
    errors = field_errors(r.text)
    assert "Vui lòng chọn lĩnh vực." in errors
    assert "Vui lòng đánh dấu vị trí trên bản đồ, dùng vị trí hiện tại hoặc ghi địa chỉ." in errors
    assert typed in r.text and 'value="Lê Văn Tám"' in r.text


async def test_a_report_taken_on_the_hotline_records_its_channel(browser, client, tokens):
    token = await sign_in(browser, "dispatcher")
    typed = f"Đèn đường tắt cả dãy phố ({uuid.uuid4().hex[:6]})"
    r = await browser.post("/portal/moi", data={
        "csrf_token": token, "channel": "hotline", "category": "dien-chieu-sang", "description": typed,
        "address": "Đường Phan Ngọc Hiển", "reporter.name": "Lê Văn Tám", "reporter.phone": "0912000111",
        "consent": "1"})
    assert r.status_code == 303
    report_id = int(r.headers["location"].rsplit("/", 1)[1])
    report = (await client.get(f"/api/v1/reports/{report_id}", headers=await tokens("dispatcher"))).json()
    assert report["channel"] == "hotline" and report["description"] == typed
    assert report["reporter"]["name"] == "Lê Văn Tám"


async def test_the_plain_citizen_form_makes_one_report_per_draft(browser, client, tokens):
    token = await form_token(browser, "/")
    description = f"Rác thải đổ bừa bãi ven kênh ({uuid.uuid4().hex[:6]})"
    fields = {"csrf_token": token, "idempotency_key": str(uuid.uuid4()), "category": "ve-sinh-moi-truong",
              "description": description, "address": "Bờ kênh Rạch Rập", "anonymous": "1"}
    first = await browser.post("/gui-phan-anh", data=fields)
    again = await browser.post("/gui-phan-anh", data=fields)
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    found = (await client.get("/api/v1/reports", params={"q": description},
                              headers=await tokens("dispatcher"))).json()
    assert found["total"] == 1
    page = await browser.get(first.headers["location"])
    assert "Đã nhận phản ánh của bạn" in page.text  # the confirmation (issue 14)


async def test_the_plain_citizen_form_explains_missing_consent_and_keeps_the_input(browser):
    token = await form_token(browser, "/")
    r = await browser.post("/gui-phan-anh", data={
        "csrf_token": token, "idempotency_key": str(uuid.uuid4()), "category": "giao-thong",
        "description": "Cầu khỉ bị gãy tay vịn", "address": "Ấp 3", "reporter.name": "Nguyễn Văn Út"})
    assert r.status_code == 422
    assert ("Vui lòng đồng ý cho xử lý dữ liệu cá nhân" in r.text or
            any("dữ liệu cá nhân" in e for e in field_errors(r.text)))
    assert "Cầu khỉ bị gãy tay vịn" in r.text and 'value="Nguyễn Văn Út"' in r.text
    assert 'value="giao-thong" checked' in r.text


async def test_the_public_page_shows_the_result_and_never_the_reporter(browser, client, tokens):
    created = await report_in_state(client, tokens, "published",
                                    reporter={"name": "Phạm Thị Kiều", "phone": "0919888777",
                                              "email": "kieu.pham@example.vn"},
                                    share_identity_with_agency=True)
    code = created["code"]
    page = await browser.get(f"/cong-khai/{code}")
    assert page.status_code == 200 and "Đã vá ổ gà" in page.text
    listing = await browser.get("/cong-khai", params={"q": code})
    for html in (page.text, listing.text):
        for personal in ("Phạm Thị Kiều", "0919888777", "+84919888777", "kieu.pham@example.vn", "handler."):
            assert personal not in html
    assert (await browser.get(f"/cong-khai/{created['id'] + 10**9}")).status_code == 404


async def test_a_report_not_yet_reviewed_is_not_on_the_public_site(browser, client, tokens):
    created = await report_in_state(client, tokens, "resolved")
    assert (await browser.get(f"/cong-khai/{created['code']}")).status_code == 404
    followed = await report_in_state(client, tokens, "in_progress")
    await client.post(f"/api/v1/reports/{followed['id']}/actions/make_public", json={},
                      headers=await tokens("dispatcher"))
    page = await browser.get(f"/cong-khai/{followed['code']}")
    assert page.status_code == 200 and "Sở Xây dựng" in page.text and "handler." not in page.text


async def test_tracking_page_shows_the_deadline_and_the_rating_form_once_published(browser, client, tokens):
    created = await report_in_state(client, tokens, "assigned")
    page = await browser.get(f"/theo-doi/{created['tracking_token']}")
    assert "Cơ quan sẽ trả lời trước" in page.text and "Đánh giá kết quả" not in page.text
    published = await report_in_state(client, tokens, "published")
    url = f"/theo-doi/{published['tracking_token']}"
    token = TOKEN.search((await browser.get(url)).text).group(1)
    bad = await browser.post(url + "/danh-gia", data={"csrf_token": token, "score": "9"})
    assert bad.status_code == 422 and "Vui lòng chọn từ 1 đến 5 sao." in field_errors(bad.text)
    ok = await browser.post(url + "/danh-gia", data={"csrf_token": token, "score": "4", "comment": "Tốt"})
    assert ok.status_code == 303
    assert "4/5" in (await browser.get(url)).text


async def test_agency_console_returns_with_a_reason_and_refuses_in_words(browser, client, tokens):
    created = await report_in_state(client, tokens, "assigned")
    token = await sign_in(browser, "handler.so-xay-dung")
    base = f"/agency/phan-anh/{created['id']}"
    empty = await browser.post(base + "/return", data={"csrf_token": token, "reason": "  "})
    assert empty.status_code == 422 and "Vui lòng điền trường này." in field_errors(empty.text)
    done = await browser.post(base + "/return", data={"csrf_token": token, "reason": "Không thuộc thẩm quyền"})
    assert done.status_code == 303
    # Returned: no longer the agency's to answer; the refusal comes back as a sentence, not an error page.
    again = await browser.post(base + "/respond", data={"csrf_token": token, "message": "Đã nhận"})
    assert again.status_code == 303
    page = await browser.get(again.headers["location"])
    assert "Vai trò của bạn không được thực hiện thao tác này với phản ánh này." in page.text


async def test_dispatcher_sees_the_suggested_agency_and_likely_duplicates(browser, client, tokens):
    first = await report_in_state(client, tokens, "received", location={"lat": 9.2001, "lon": 105.2002})
    second = await report_in_state(client, tokens, "received", location={"lat": 9.2003, "lon": 105.2004})
    await sign_in(browser, "dispatcher")
    page = await browser.get(f"/portal/phan-anh/{second['id']}")
    assert page.status_code == 200
    assert re.search(r'<option value="[^"]+" selected>[^<]*\(gợi ý\)', page.text)
    assert first["code"] in page.text  # nearby, same category, same hours: offered for merging


async def test_admin_adds_a_routing_rule_and_the_portal_suggests_it(browser, client, tokens):
    token = await sign_in(browser, "admin")
    r = await browser.post("/admin/phan-luong", data={"csrf_token": token, "category": "gop-y", "area": "",
                                                      "agency": ""})
    assert r.status_code == 422 and "Vui lòng điền trường này." in field_errors(r.text)
    areas = (await client.get("/api/v1/areas")).json()["items"]
    area = next(a for a in areas if a["lat"])
    r = await browser.post("/admin/phan-luong", data={"csrf_token": token, "category": "gop-y", "area": area["code"],
                                                      "agency": "so-y-te"})
    assert r.status_code == 303
    try:
        created = await report_in_state(client, tokens, "received", category="gop-y", area=area["code"])
        portal = httpx.AsyncClient(transport=browser._transport, base_url="http://testserver")
        async with portal:
            await sign_in(portal, "dispatcher")
            page = await portal.get(f"/portal/phan-anh/{created['id']}")
        assert re.search(r'<option value="so-y-te" selected>', page.text)
    finally:
        rules = await browser.get("/admin/phan-luong")
        rule_ids = re.findall(r'name="delete" value="(\d+)"', rules.text)
        # The newest rule is ours; delete it so that other tests keep the seeded routing.
        await browser.post("/admin/phan-luong", data={"csrf_token": token, "delete": max(rule_ids, key=int)})


async def test_admin_creates_a_handler_who_can_sign_in(browser):
    token = await sign_in(browser, "admin")
    username = f"can-bo.{uuid.uuid4().hex[:6]}"
    fields = {"csrf_token": token, "mode": "new", "username": username, "full_name": "Võ Thị Hồng",
              "role": "handler", "agency": "so-y-te", "active": "1", "password": "ngan"}
    weak = await browser.post("/admin/nguoi-dung", data=fields)
    assert weak.status_code == 422 and "Mật khẩu cần ít nhất 12 ký tự." in field_errors(weak.text)
    assert 'value="Võ Thị Hồng"' in weak.text
    ok = await browser.post("/admin/nguoi-dung", data={**fields, "password": "mat-khau-du-dai"})
    assert ok.status_code == 303
    other = httpx.AsyncClient(transport=browser._transport, base_url="http://testserver")
    async with other:
        t = await form_token(other, "/dang-nhap")
        r = await other.post("/dang-nhap", data={"csrf_token": t, "username": username, "password": "mat-khau-du-dai"})
        assert r.status_code == 303 and r.headers["location"] == "/agency"


async def test_citizen_signs_in_with_a_one_time_code_and_sees_their_reports(browser, monkeypatch):
    sent: list[str] = []

    async def capture(phone, text, *, settings):
        sent.append(text)

    monkeypatch.setattr(auth_service, "send_sms", capture)
    token = await form_token(browser, "/dang-nhap-cong-dan")
    phone = f"09{uuid.uuid4().int % 10**8:08d}"
    r = await browser.post("/dang-nhap-cong-dan", data={"csrf_token": token, "phone": phone})
    assert r.status_code == 200 and sent
    code = re.search(r"(\d{6})", sent[-1]).group(1)
    wrong = await browser.post("/dang-nhap-cong-dan/xac-thuc", data={"csrf_token": token, "phone": phone,
                                                                      "code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 422
    r = await browser.post("/dang-nhap-cong-dan/xac-thuc", data={"csrf_token": token, "phone": phone, "code": code})
    assert r.status_code == 303 and r.headers["location"] == "/cua-toi"
    description = f"Nước ngập sâu trước nhà ({uuid.uuid4().hex[:6]})"
    page = await browser.get("/cua-toi")
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)">', page.text).group(1)
    api = await browser.post("/api/v1/reports", json={"category": "cap-thoat-nuoc", "description": description,
                                                      "address": "Hẻm 12", "consent": True},
                             headers={"X-CSRF-Token": csrf})
    assert api.status_code == 201  # the cookie signs the app's API calls in too (with the page's CSRF token)
    mine = await browser.get("/cua-toi")
    assert description in mine.text


async def test_english_is_one_tap_away(browser):
    r = await browser.get("/", params={"lang": "en"})
    assert "Send a field report" in r.text and '<html lang="en">' in r.text
    assert "Send a field report" in (await browser.get("/")).text  # remembered in a cookie
    assert "Gửi phản ánh hiện trường" in (await browser.get("/", params={"lang": "vi"})).text


def test_every_message_of_the_pages_has_a_vietnamese_translation():
    missing = sorted(m for m in web_msgids() if m not in _catalog("vi"))
    assert not missing, missing


async def test_admin_declares_a_make_up_working_day_on_the_calendar_page(browser):
    token = await sign_in(browser, "admin")
    bad = await browser.post("/admin/lich", data={"csrf_token": token, "day": "31/12", "kind": "working_day",
                                                  "name": "Làm bù"})
    assert bad.status_code == 422 and "Vui lòng nhập ngày." in field_errors(bad.text)
    assert 'value="Làm bù"' in bad.text
    day = "2031-03-15"  # a Saturday far from the other tests' clocks
    ok = await browser.post("/admin/lich", data={"csrf_token": token, "day": day, "kind": "working_day",
                                                 "name": "Làm bù ngày 17/3/2031"})
    assert ok.status_code == 303
    page = await browser.get("/admin/lich", params={"nam": 2031})
    assert "15/03/2031" in page.text and "Làm bù ngày 17/3/2031" in page.text
    gone = await browser.post("/admin/lich", data={"csrf_token": token, "day": day, "remove": "1"})
    assert gone.status_code == 303
    assert "Làm bù ngày 17/3/2031" not in (await browser.get("/admin/lich", params={"nam": 2031})).text


async def test_admin_issues_a_partner_key_shown_once_and_revokes_it(browser):
    token = await sign_in(browser, "admin")
    empty = await browser.post("/admin/khoa-api", data={"csrf_token": token, "partner": "  "})
    assert empty.status_code == 422 and field_errors(empty.text)
    partner = f"Ứng dụng Cà Mau {uuid.uuid4().hex[:4]}"
    issued = await browser.post("/admin/khoa-api", data={"csrf_token": token, "partner": partner})
    key = re.search(r'id="new-key">([^<]+)<', issued.text).group(1)
    listing = (await browser.get("/admin/khoa-api")).text
    assert partner in listing and key not in listing  # never shown again
    key_id = re.findall(r'/admin/khoa-api/(\d+)/thu-hoi', issued.text)[-1]
    r = await browser.post(f"/admin/khoa-api/{key_id}/thu-hoi", data={"csrf_token": token})
    assert r.status_code == 303
    assert "Đã thu hồi khóa." in (await browser.get("/admin/khoa-api")).text


async def test_flagging_urgent_shows_the_leaders_phones_and_records_the_contact(browser, client, tokens):
    created = await report_in_state(client, tokens, "assigned")
    token = await sign_in(browser, "dispatcher")
    base = f"/portal/phan-anh/{created['id']}"
    assert (await browser.post(base + "/flag_urgent", data={"csrf_token": token, "reason": "Nguy hiểm"})).status_code == 303
    page = (await browser.get(base)).text
    assert "Gọi ngay lãnh đạo đơn vị" in page
    assert re.search(r'href="tel:\+8400\d{7}"', page)  # the seeded leader of the assigned agency
    r = await browser.post(base + "/log_contact", data={"csrf_token": token, "contact": "Lãnh đạo Sở Xây dựng",
                                                        "channel": "phone", "outcome": "Đã cử đội xử lý ngay"})
    assert r.status_code == 303
    events = (await client.get(f"/api/v1/reports/{created['id']}/events", headers=await tokens("dispatcher"))).json()
    assert [e["action"] for e in events["items"]][-2:] == ["flag_urgent", "log_contact"]
    queue = (await browser.get("/portal", params={"status": "open", "urgent": "true"})).text
    assert created["code"] in queue


async def test_an_agency_leader_reads_the_urgent_notification_and_opens_the_report(browser, client, tokens):
    created = await report_in_state(client, tokens, "assigned")
    await client.post(f"/api/v1/reports/{created['id']}/actions/flag_urgent", json={"reason": "Sập cầu"},
                      headers=await tokens("dispatcher"))
    token = await sign_in(browser, "leader.so-xay-dung")
    page = await browser.get("/thong-bao")
    assert page.status_code == 200
    assert f'href="/agency/phan-anh/{created["id"]}"' in page.text
    assert 'id="unread-count"' in (await browser.get("/agency")).text  # the unread count in the header
    r = await browser.post("/thong-bao/da-doc", data={"csrf_token": token})
    assert r.status_code == 303
    assert "Đánh dấu tất cả đã đọc" not in (await browser.get("/thong-bao")).text


async def test_the_dispatcher_edits_the_public_view_and_makes_the_report_public(browser, client, tokens):
    created = await report_in_state(client, tokens, "assigned",
                                    description="Ổ gà trước nhà ông Năm, số điện thoại 0977000111.")
    token = await sign_in(browser, "dispatcher")
    base = f"/portal/phan-anh/{created['id']}"
    page = (await browser.get(base)).text
    assert "Chưa công khai" in page and "Biên tập nội dung công khai" in page and 'id="act-make_public"' in page
    r = await browser.post(base + "/redact", data={
        "csrf_token": token, "public_title": "Ổ gà trên đường", "public_description": "Ổ gà lớn giữa đường.",
        "public_address": "Phường An Xuyên", "position": "snapped"})
    assert r.status_code == 303, r.text[:500]
    assert (await browser.post(base + "/make_public", data={"csrf_token": token})).status_code == 303
    page = (await browser.get(base)).text
    assert "Công khai từ" in page and 'id="act-make_public"' not in page
    public = (await browser.get(f"/cong-khai/{created['code']}")).text
    assert "Ổ gà lớn giữa đường." in public and "0977000111" not in public and "ông Năm" not in public


async def test_admin_marks_a_category_sensitive(browser, client):
    token = await sign_in(browser, "admin")
    page = (await browser.get("/admin/linh-vuc", params={"ma": "gop-y"})).text
    assert 'name="sensitive"' in page
    from phananh.demo.catalog import CATEGORY_BY_CODE

    c = CATEGORY_BY_CODE["gop-y"]
    fields = {"csrf_token": token, "mode": "edit", "code": c.code, "name_vi": c.name_vi, "name_en": c.name_en,
              "hint_vi": c.hint_vi, "hint_en": c.hint_en, "group_code": c.group, "active": "1"}
    try:
        r = await browser.post("/admin/linh-vuc", data={**fields, "sensitive": "1"})
        assert r.status_code == 303
        page = (await browser.get("/admin/linh-vuc", params={"ma": "gop-y"})).text
        assert re.search(r'name="sensitive" value="1"\s+checked', page)
    finally:
        await browser.post("/admin/linh-vuc", data=fields)
