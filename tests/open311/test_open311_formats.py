"""Every answer, parsed with a real XML parser and as JSON, has exactly the specification's element names."""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

from tests.open311 import spec
from tests.open311.conftest import BASE, post_request
from tests.support import act

XML_TYPE = "text/xml; charset=utf-8"


async def xml(client, path: str, **params) -> ET.Element:
    r = await client.get(f"{BASE}/{path}.xml", params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == XML_TYPE
    assert r.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    root = ET.fromstring(r.content)
    assert not root.tag.startswith("{"), "the root element must not carry a namespace"
    assert "xmlns" not in r.text
    return root


async def js(client, path: str, **params):
    r = await client.get(f"{BASE}/{path}.json", params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    return r.json()


def names(el: ET.Element) -> list[str]:
    return [child.tag for child in el]


def assert_dates(values) -> None:
    for v in values:
        if v:
            assert re.match(spec.W3C_LOCAL, v), v


async def test_discovery_names_our_endpoint_and_both_formats(client):
    root = await xml(client, "discovery")
    assert root.tag == "discovery" and names(root) == spec.DISCOVERY
    endpoint = root.find("endpoints/endpoint")
    assert names(endpoint) == spec.ENDPOINT
    assert [f.text for f in endpoint.find("formats")] == ["text/xml", "application/json"]
    assert endpoint.findtext("url").endswith("/open311/v2")
    data = await js(client, "discovery")
    assert list(data) == spec.DISCOVERY and list(data["endpoints"][0]) == spec.ENDPOINT


async def test_services_are_our_categories_in_both_formats(client):
    root = await xml(client, "services")
    assert root.tag == "services"
    services = list(root)
    assert services and all(s.tag == "service" and names(s) == spec.SERVICE for s in services)
    by_code = {s.findtext("service_code"): s for s in services}
    road = by_code["giao-thong"]
    assert road.findtext("service_name") == "Giao thông" and road.findtext("metadata") == "true"
    assert road.findtext("type") == "realtime" and road.findtext("group")
    assert by_code["gop-y"].findtext("metadata") == "false"
    data = await js(client, "services")
    assert all(list(s) == spec.SERVICE for s in data)
    assert {s["service_code"] for s in data} == set(by_code)
    assert next(s for s in data if s["service_code"] == "giao-thong")["metadata"] is True


async def test_english_service_names_when_asked(client):
    r = await client.get(f"{BASE}/services.json", headers={"Accept-Language": "en"})
    assert next(s for s in r.json() if s["service_code"] == "giao-thong")["service_name"] == "Traffic and transport"


async def test_service_definition_carries_the_category_questions(client):
    root = await xml(client, "services/giao-thong")
    assert root.tag == "service_definition" and names(root) == spec.SERVICE_DEFINITION
    attributes = root.find("attributes")
    assert len(attributes) == 3
    for a in attributes:
        assert a.tag == "attribute" and names(a) == spec.ATTRIBUTE
        assert a.findtext("datatype") in spec.DATATYPES
        for v in a.find("values"):
            assert v.tag == "value" and names(v) == spec.VALUE
    first = attributes[0]
    assert (first.findtext("code"), first.findtext("required"), first.findtext("order")) == ("muc-do", "true", "1")
    data = await js(client, "services/giao-thong")
    assert list(data) == spec.SERVICE_DEFINITION
    assert [list(a) for a in data["attributes"]] == [spec.ATTRIBUTE] * 3
    assert data["attributes"][0]["values"][1] == {"key": "cao", "name": "Nguy hiểm"}
    assert {a["datatype"] for a in data["attributes"]} == {"singlevaluelist", "multivaluelist", "number"}
    lamp = await js(client, "services/dien-chieu-sang")
    assert {a["datatype"] for a in lamp["attributes"]} == {"string", "datetime"}


async def test_post_answer_has_the_spec_fields_in_both_formats(client, partner_key):
    root = await post_request(client, partner_key, fmt="xml")
    assert root.tag == "service_requests"
    [request] = list(root)
    assert request.tag == "request" and names(request) == spec.POST_ANSWER
    assert re.match(r"^PA-\d{4}-\d{6}$", request.findtext("service_request_id"))
    assert "trước" in request.findtext("service_notice")
    [answer] = await post_request(client, partner_key, fmt="json")
    assert list(answer) == spec.POST_ANSWER and answer["account_id"].startswith("acct-")


async def test_requests_have_every_spec_field_with_local_w3c_dates(client, partner_key, tokens):
    [posted] = await post_request(client, partner_key)
    rid = posted["service_request_id"]
    await act(client, rid, "make_public", {}, headers=await tokens("dispatcher"))
    root = await xml(client, f"requests/{rid}")
    [request] = list(root)
    assert request.tag == "request" and names(request) == spec.REQUEST
    assert_dates(request.findtext(n) for n in ("requested_datetime", "updated_datetime", "expected_datetime"))
    assert request.findtext("expected_datetime")
    listed = await xml(client, "requests", service_code="giao-thong")
    assert all(r.tag == "request" and names(r) == spec.REQUEST for r in listed)
    [item] = await js(client, f"requests/{rid}")
    assert list(item) == spec.REQUEST
    assert isinstance(item["lat"], float) and isinstance(item["long"], float)
    assert_dates([item["requested_datetime"], item["updated_datetime"], item["expected_datetime"]])


async def test_extensions_add_our_state_and_the_public_timeline(client, partner_key, tokens):
    [posted] = await post_request(client, partner_key)
    rid = posted["service_request_id"]
    await act(client, rid, "assign", {"agency": "so-xay-dung"}, headers=await tokens("dispatcher"))
    before_review = (await xml(client, f"requests/{rid}", extensions="true")).find("request")
    assert list(before_review.find("extended_attributes").find("notes")) == []  # nothing public yet
    await act(client, rid, "make_public", {}, headers=await tokens("dispatcher"))
    root = await xml(client, f"requests/{rid}", extensions="true")
    request = root.find("request")
    assert names(request) == spec.REQUEST + ["extended_attributes"]
    ext = request.find("extended_attributes")
    assert names(ext) == spec.EXTENDED_ATTRIBUTES
    assert ext.findtext("detailed_status") == "assigned" and ext.findtext("channel") == "open311:fixmystreet-ca-mau"
    notes = ext.find("notes")
    assert [n.tag for n in notes] == ["note", "note", "note"] and all(names(n) == spec.NOTE for n in notes)
    assert [n.findtext("type") for n in notes] == ["opened", "activity", "activity"]
    assert notes[1].findtext("description") == "Sở Xây dựng"
    [item] = await js(client, f"requests/{rid}", extensions="true")
    assert list(item["extended_attributes"]) == spec.EXTENDED_ATTRIBUTES
    assert_dates(n["datetime"] for n in item["extended_attributes"]["notes"])
    [plain] = await js(client, f"requests/{rid}")
    assert "extended_attributes" not in plain


async def test_token_answer_names_the_request(client, tokens):
    from tests.support import submit

    created = await submit(client)
    root = await xml(client, f"tokens/{created['tracking_token']}")
    [request] = list(root)
    assert names(request) == spec.TOKEN_ANSWER
    assert request.findtext("service_request_id") == created["code"]
    [item] = await js(client, f"tokens/{created['tracking_token']}")
    assert list(item) == spec.TOKEN_ANSWER


async def test_errors_follow_the_spec_shape_in_both_formats(client):
    r = await client.get(f"{BASE}/services/khong-co.xml")
    assert r.status_code == 404 and r.headers["content-type"] == XML_TYPE
    root = ET.fromstring(r.content)
    assert root.tag == "errors" and [e.tag for e in root] == ["error"] and names(root[0]) == spec.ERROR
    assert root[0].findtext("code") == "404" and "khong-co" in root[0].findtext("description")
    r = await client.get(f"{BASE}/services/khong-co.json")
    assert r.status_code == 404 and r.json() == [{"code": 404, "description": r.json()[0]["description"]}]
    r = await client.post(f"{BASE}/requests.json", data={"service_code": "giao-thong"})
    assert r.status_code == 403 and list(r.json()[0]) == spec.ERROR
    r = await client.get(f"{BASE}/no-such-thing.json")
    assert r.status_code == 404 and list(r.json()[0]) == spec.ERROR


async def test_updates_have_fixmystreet_names(client, partner_key, tokens):
    [posted] = await post_request(client, partner_key)
    rid = posted["service_request_id"]
    await act(client, rid, "assign", {"agency": "so-xay-dung"}, headers=await tokens("dispatcher"))
    await act(client, rid, "make_public", {}, headers=await tokens("dispatcher"))
    root = await xml(client, "servicerequestupdates")
    assert root.tag == "service_request_updates"
    mine = [u for u in root if u.findtext("service_request_id") == rid]
    assert mine and all(u.tag == "request_update" and names(u) == spec.REQUEST_UPDATE + spec.UPDATE_EXTRA
                        for u in root)
    assert_dates(u.findtext("updated_datetime") for u in root)
    data = await js(client, "servicerequestupdates")
    assert all(list(u) == spec.REQUEST_UPDATE + spec.UPDATE_EXTRA for u in data)
