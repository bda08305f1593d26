"""One rule for what is public (ARCHITECTURE §5): nothing of a report before the Portal reviews it, then only its
public view — on Open311 (JSON and XML), the public REST views, the public site, the public map and media."""

import json
import secrets
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import select

from phananh.directory import manage as directory_manage
from phananh.directory import service as directory
from phananh.directory.tables import areas
from phananh.reports.visibility import GRID_DEGREES, public_fields, public_media, snap
from tests.reports.test_bad_input import jpeg_bytes
from tests.support import AGENCY, act, partner_api_key, report_body, report_in_state, submit

O311 = "/open311/v2"
TIP_PHONE, TIP_NAME = "0913557799", "Lâm Văn Khoa"
TIP = (f"Tối nào cũng có người tụ tập mua bán ma túy ở cuối hẻm 12, gần nhà số 8. Tôi là {TIP_NAME}, "
       f"số điện thoại {TIP_PHONE}, cần thì gọi tôi.")
REDACTED = "Có dấu hiệu mua bán ma túy vào buổi tối ở cuối một con hẻm trong khóm."
SECRETS = (TIP_PHONE, TIP_NAME, "hẻm 12", "nhà số 8")


def _assert_nothing_of_the_tip(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} leaked"


def _o311_item(body: list[dict], code: str) -> dict:
    found = [i for i in body if i["service_request_id"] == code]
    assert len(found) == 1, f"{code} not listed once"
    return found[0]


def _xml_item(text: str, code: str) -> dict[str, str | None]:
    root = ET.fromstring(text)
    for el in root.findall("request"):
        if el.findtext("service_request_id") == code:
            return {child.tag: (child.text or None) for child in el}
    raise AssertionError(f"{code} not in the XML")


@pytest.fixture(scope="module")
async def partner_key(client, tokens) -> str:
    return await partner_api_key(client, tokens, "Đối tác kiểm thử", "public rule")


async def _tip(client, **overrides) -> dict:
    return await submit(client, category="an-ninh-trat-tu", title="Mua bán ma túy trong hẻm 12",
                        description=TIP, address="Hẻm 12, khóm 3, phường An Xuyên", area="phuong-an-xuyen",
                        location={"lat": 9.18123, "lon": 105.14987}, **overrides)


async def _open311_views(client, code: str, extensions: bool = False) -> list[tuple[str, str]]:
    """(url, body) of every Open311 GET that shows the request, in JSON and XML."""
    ext = "&extensions=true" if extensions else ""
    out = []
    for fmt in ("json", "xml"):
        for url in (f"{O311}/requests.{fmt}?page_size=1000{ext}", f"{O311}/requests/{code}.{fmt}?x=1{ext}",
                    f"{O311}/servicerequestupdates.{fmt}"):
            r = await client.get(url)
            assert r.status_code == 200, (url, r.text)
            out.append((url, r.text))
    return out


async def test_open311_before_review_shows_only_code_status_times_and_agency(client, tokens, partner_key):
    tip = await _tip(client)
    # An API key's own posts are no exception.
    r = await client.post(f"{O311}/requests.json", data={
        "api_key": partner_key, "service_code": "an-ninh-trat-tu", "lat": "9.18123", "long": "105.14987",
        "address_string": "Hẻm 12, khóm 3, phường An Xuyên", "description": TIP, "first_name": "Khoa",
        "last_name": "Lâm", "phone": TIP_PHONE, "media_url": "https://partner.example/p/1.jpg"})
    assert r.status_code == 200, r.text
    posted = r.json()[0]
    partner_code = posted["service_request_id"]
    await act(client, tip["id"], "assign", {"agency": "cong-an-tinh"}, await tokens("dispatcher"))

    for code in (tip["code"], partner_code):
        for url, text in await _open311_views(client, code, extensions=True):
            _assert_nothing_of_the_tip(text)
            assert "9.18123" not in text and "105.14987" not in text, url
            assert "partner.example" not in text, url
        listed = _o311_item((await client.get(f"{O311}/requests.json?page_size=1000")).json(), code)
        assert listed["service_code"] == "an-ninh-trat-tu" and listed["status"] == "open"
        assert listed["requested_datetime"] and listed["updated_datetime"]
        for hidden in ("description", "address", "address_id", "lat", "long", "media_url", "status_notes",
                       "expected_datetime"):
            assert listed[hidden] is None, hidden
        xml = _xml_item((await client.get(f"{O311}/requests/{code}.xml")).text, code)
        assert xml["service_code"] == "an-ninh-trat-tu"
        assert xml.get("description") is None and xml.get("lat") is None and xml.get("media_url") is None
    single = (await client.get(f"{O311}/requests/{tip['code']}.json")).json()[0]
    assert single["agency_responsible"] == "Công an tỉnh"
    for fmt in ("json", "xml"):
        r = await client.get(f"{O311}/tokens/{tip['tracking_token']}.{fmt}")
        assert r.status_code == 200
        _assert_nothing_of_the_tip(r.text)
        assert tip["code"] in r.text
    # The public REST views and the public site do not know it either.
    assert (await client.get(f"/api/v1/reports/{tip['id']}")).status_code == 404
    assert (await client.get(f"/api/v1/reports/{tip['id']}/events")).status_code == 404
    assert (await client.get(f"/cong-khai/{tip['code']}")).status_code == 404
    _assert_nothing_of_the_tip((await client.get("/api/v1/reports?page_size=100")).text)
    _assert_nothing_of_the_tip((await client.get("/cong-khai?q=ma+t%C3%BAy")).text)


async def test_make_public_shows_the_redacted_view_and_staff_keep_the_original(client, tokens):
    dispatcher = await tokens("dispatcher")
    tip = await _tip(client)
    await act(client, tip["id"], "redact", {"public_title": "Dấu hiệu mua bán ma túy", "public_description": REDACTED,
                                            "public_address": "Khóm 3, phường An Xuyên"}, dispatcher)
    # Redacted but not yet reviewed: still nothing public.
    assert (await client.get(f"/api/v1/reports/{tip['id']}")).status_code == 404
    staff = await act(client, tip["id"], "make_public", {}, dispatcher)
    assert staff["description"] == TIP and staff["public_view"]["description"] == REDACTED
    assert staff["public_view"]["since"] is not None

    public = (await client.get(f"/api/v1/reports/{tip['id']}")).json()
    assert public["title"] == "Dấu hiệu mua bán ma túy" and public["description"] == REDACTED
    assert public["address"] == "Khóm 3, phường An Xuyên"
    assert "reporter" not in public and "public_view" not in public
    for _url, text in await _open311_views(client, tip["code"], extensions=True):
        _assert_nothing_of_the_tip(text)
    item = (await client.get(f"{O311}/requests/{tip['code']}.json")).json()[0]
    assert item["description"] == REDACTED and item["address"] == "Khóm 3, phường An Xuyên"
    xml = _xml_item((await client.get(f"{O311}/requests/{tip['code']}.xml")).text, tip["code"])
    assert xml["description"] == REDACTED
    # The public site agrees with the REST view.
    page = (await client.get(f"/cong-khai/{tip['code']}")).text
    assert REDACTED in page
    _assert_nothing_of_the_tip(page)
    listing = (await client.get("/cong-khai", params={"q": tip["code"]})).text
    assert "Dấu hiệu mua bán ma túy" in listing
    _assert_nothing_of_the_tip(listing)
    listed = (await client.get("/api/v1/reports", params={"q": tip["code"]})).json()["items"]
    assert [(i["id"], i["description"]) for i in listed] == [(tip["id"], REDACTED)]

    # A later redaction changes the public text; the original stays for staff and in the submit event.
    await act(client, tip["id"], "redact", {"public_description": "Nội dung đã được Cổng biên tập lại."}, dispatcher)
    assert (await client.get(f"/api/v1/reports/{tip['id']}")).json()["description"] == \
        "Nội dung đã được Cổng biên tập lại."
    staff = (await client.get(f"/api/v1/reports/{tip['id']}", headers=dispatcher)).json()
    assert staff["description"] == TIP
    events = (await client.get(f"/api/v1/reports/{tip['id']}/events", headers=dispatcher)).json()["items"]
    assert [e["action"] for e in events] == ["submit", "redact", "make_public", "redact"]
    assert events[1]["payload"]["public_description"] == REDACTED
    public_events = (await client.get(f"/api/v1/reports/{tip['id']}/events")).json()["items"]
    assert [e["action"] for e in public_events] == ["submit", "make_public"]
    _assert_nothing_of_the_tip(json.dumps(public_events, ensure_ascii=False))
    # The reporter still reads their own words.
    tracked = (await client.get(f"/api/v1/track/{tip['tracking_token']}")).json()
    assert tracked["description"] == TIP


async def test_publish_makes_the_citizens_text_the_public_view_when_not_redacted(client, tokens):
    created = await report_in_state(client, tokens, "published")
    staff = (await client.get(f"/api/v1/reports/{created['id']}", headers=await tokens("dispatcher"))).json()
    assert staff["public_view"]["description"] == staff["description"] and staff["public_view"]["since"]
    item = (await client.get(f"{O311}/requests/{created['code']}.json")).json()[0]
    assert item["description"] == staff["description"]
    assert (item["lat"], item["long"]) == (9.1769, 105.1524)  # an ordinary category: exact
    assert item["status_notes"] == "Đã vá ổ gà"


async def test_review_rules_private_reports_already_public_and_empty_redactions(client, tokens):
    dispatcher = await tokens("dispatcher")
    private = await submit(client, visibility="private")
    r = await client.post(f"/api/v1/reports/{private['id']}/actions/make_public", json={}, headers=dispatcher)
    assert r.status_code == 409 and r.json()["error"]["code"] == "private_report"
    assert r.json()["error"]["message"] != "The reporter asked to keep this report private."  # Vietnamese
    done = await report_in_state(client, tokens, "published", visibility="private")
    assert (await client.get(f"/api/v1/reports/{done['id']}")).status_code == 404
    assert done["code"] not in (await client.get(f"{O311}/requests.json?page_size=1000")).text

    created = await submit(client)
    await act(client, created["id"], "make_public", {}, dispatcher)
    r = await client.post(f"/api/v1/reports/{created['id']}/actions/make_public", json={}, headers=dispatcher)
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_public"
    r = await client.post(f"/api/v1/reports/{created['id']}/actions/redact", json={}, headers=dispatcher)
    assert r.status_code == 422 and r.json()["error"]["code"] == "nothing_to_redact"
    r = await client.post(f"/api/v1/reports/{created['id']}/actions/redact",
                          json={"position": "hidden", "public_location": None}, headers=dispatcher)
    assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error"
    await act(client, created["id"], "redact", {"position": "hidden"}, dispatcher)
    assert (await client.get(f"/api/v1/reports/{created['id']}")).json()["location"] is None
    await act(client, created["id"], "redact", {"public_location": {"lat": 9.2, "lon": 105.2}}, dispatcher)
    assert (await client.get(f"/api/v1/reports/{created['id']}")).json()["location"] == {"lat": 9.2, "lon": 105.2}


async def _centroid(engine, code: str) -> dict:
    async with engine.connect() as conn:
        row = (await conn.execute(select(areas.c.lat, areas.c.lon).where(areas.c.code == code))).one()
    return {"lat": row.lat, "lon": row.lon}


async def test_sensitive_category_position_is_snapped_to_the_commune_everywhere(client, tokens, engine):
    dispatcher = await tokens("dispatcher")
    tip = await _tip(client)
    await act(client, tip["id"], "make_public", {}, dispatcher)
    centroid = await _centroid(engine, "phuong-an-xuyen")
    assert centroid != {"lat": 9.18123, "lon": 105.14987}
    assert (await client.get(f"/api/v1/reports/{tip['id']}")).json()["location"] == centroid
    item = (await client.get(f"{O311}/requests/{tip['code']}.json")).json()[0]
    assert {"lat": item["lat"], "lon": item["long"]} == centroid
    points = (await client.get("/api/v1/stats/map")).json()["items"]
    mine = [p for p in points if p["id"] == tip["id"]]
    assert [{"lat": p["lat"], "lon": p["lon"]} for p in mine] == [centroid]
    # A dispatcher's pin does not unsnap a sensitive report; staff still see the exact position.
    await act(client, tip["id"], "redact", {"public_location": {"lat": 9.18123, "lon": 105.14987}}, dispatcher)
    assert (await client.get(f"/api/v1/reports/{tip['id']}")).json()["location"] == centroid
    staff = (await client.get(f"/api/v1/reports/{tip['id']}", headers=dispatcher)).json()
    assert staff["location"] == {"lat": 9.18123, "lon": 105.14987}


async def test_an_admin_marks_a_category_sensitive_and_public_positions_follow(client, tokens, engine):
    created = await submit(client, category="cap-thoat-nuoc", location={"lat": 9.18123, "lon": 105.14987},
                           area="phuong-an-xuyen")
    await act(client, created["id"], "make_public", {}, await tokens("dispatcher"))
    assert (await client.get(f"/api/v1/reports/{created['id']}")).json()["location"] == \
        {"lat": 9.18123, "lon": 105.14987}

    async def mark(sensitive: bool):
        async with engine.begin() as conn:
            c = (await directory.load(conn)).categories["cap-thoat-nuoc"]
            await directory_manage.save_category(conn, code=c["code"], name_vi=c["name_vi"], name_en=c["name_en"],
                                                 hint_vi=c["hint_vi"], hint_en=c["hint_en"], group_code=c["group_code"],
                                                 active=c["active"], sensitive=sensitive, new=False)
    await mark(True)
    try:
        assert (await client.get(f"/api/v1/reports/{created['id']}")).json()["location"] == \
            await _centroid(engine, "phuong-an-xuyen")
    finally:
        await mark(False)


def test_without_a_commune_centroid_a_sensitive_position_is_rounded_to_a_500_m_grid():
    lat, lon = snap(9.18123, 105.14987, None)
    assert (lat, lon) == (9.18, 105.15)
    assert abs(lat - 9.18123) <= GRID_DEGREES / 2 and abs(lon - 105.14987) <= GRID_DEGREES / 2
    assert snap(9.18123, 105.14987, {"lat": None, "lon": None}) == (9.18, 105.15)
    row = {"title": "t", "description": "d", "address": None, "lat": 9.18123, "lon": 105.14987, "public_title": None}
    assert (public_fields(row, sensitive=True, area=None)["public_lat"],
            public_fields(row, sensitive=False, area=None)["public_lat"]) == (9.18, 9.18123)


async def test_public_statistics_expose_nothing_of_unreviewed_reports(client, tokens):
    tip = await _tip(client)
    points = (await client.get("/api/v1/stats/map")).json()["items"]
    assert tip["id"] not in {p["id"] for p in points}
    staff_points = (await client.get("/api/v1/stats/map", headers=await tokens("dispatcher"))).json()["items"]
    assert tip["id"] in {p["id"] for p in staff_points}
    public = await client.get("/api/v1/stats/public")
    assert public.status_code == 200
    _assert_nothing_of_the_tip(public.text)
    assert "9.18123" not in public.text and "items" not in public.json()


async def test_photos_are_public_only_once_the_report_is_reviewed(client, tokens, engine, settings):
    from phananh.reports import derivatives

    r = await client.post("/api/v1/reports", data={"report": json.dumps(report_body())},
                          files=[("files", ("a.jpg", jpeg_bytes(), "image/jpeg"))])
    assert r.status_code == 201, r.text
    created = r.json()
    url = created["media"][0]["url"]
    await derivatives.process_due(engine, settings, limit=10_000)  # its clean public copy exists (tests/privacy/test_photos.py)
    assert (await client.get(url)).status_code == 404  # but the Portal has not reviewed the report
    unreviewed = (await client.get(f"{O311}/requests/{created['code']}.json?extensions=true")).json()[0]
    assert unreviewed["media_url"] is None and unreviewed["extended_attributes"]["media_urls"] == []
    await act(client, created["id"], "make_public", {}, await tokens("dispatcher"))
    public = (await client.get(f"/api/v1/reports/{created['id']}")).json()
    assert [m["url"] for m in public["media"]] == [url]
    assert (await client.get(url)).status_code == 200
    reviewed = (await client.get(f"{O311}/requests/{created['code']}.json?extensions=true")).json()[0]
    assert [u.endswith(url) for u in reviewed["extended_attributes"]["media_urls"]] == [True]


def test_public_photos_are_the_citizens_once_reviewed_and_the_results_once_published_never_videos():
    items = [{"id": 1, "kind": "photo", "purpose": "report"}, {"id": 2, "kind": "video", "purpose": "report"},
             {"id": 3, "kind": "photo", "purpose": "result"}]
    assert [m["id"] for m in public_media(items, "in_progress")] == [1]
    assert [m["id"] for m in public_media(items, "resolved")] == [1]
    assert [m["id"] for m in public_media(items, "published")] == [1, 3]


async def test_make_public_and_redact_are_dispatcher_only_events_without_sla_effect(client, tokens):
    created = await report_in_state(client, tokens, "assigned")
    dispatcher = await tokens("dispatcher")
    before = (await client.get(f"/api/v1/reports/{created['id']}", headers=dispatcher)).json()["deadlines"]
    r = await client.post(f"/api/v1/reports/{created['id']}/actions/make_public", json={},
                          headers=await tokens(f"handler.{AGENCY}"))
    assert r.status_code == 403
    after = await act(client, created["id"], "make_public", {}, dispatcher)
    assert after["status"] == "assigned" and after["deadlines"] == before
    after = await act(client, created["id"], "redact", {"public_title": secrets.token_hex(4)}, dispatcher)
    assert after["deadlines"] == before


async def test_the_citizens_later_words_are_not_public_but_the_reporter_reads_them(client, tokens):
    created = await report_in_state(client, tokens, "published")
    token = created["tracking_token"]
    mine = {"X-Tracking-Token": token}
    await act(client, created["id"], "rate", {"score": 2, "comment": f"Gọi tôi số {TIP_PHONE}"}, mine)
    await act(client, created["id"], "comment", {"text": f"Nhà tôi ở {TIP_NAME}"}, mine)
    for url in (f"/api/v1/reports/{created['id']}/events", f"/api/v1/reports/{created['id']}",
                f"{O311}/requests/{created['code']}.json?extensions=true", f"{O311}/servicerequestupdates.xml",
                f"/cong-khai/{created['code']}"):
        r = await client.get(url)
        assert r.status_code == 200, url
        assert TIP_PHONE not in r.text and TIP_NAME not in r.text, url
    events = (await client.get(f"/api/v1/reports/{created['id']}/events")).json()["items"]
    assert [e["payload"] for e in events if e["action"] == "rate"] == [{"score": 2}]
    tracked = (await client.get(f"/api/v1/track/{token}")).json()["events"]
    assert [e["payload"].get("comment") for e in tracked if e["action"] == "rate"] == [f"Gọi tôi số {TIP_PHONE}"]
