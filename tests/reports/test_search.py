"""Search that understands Vietnamese (issue 14): `q` finds a report whatever the case and the diacritics the
person typed, on the staff list, an agency's list, the public list and the export alike (both databases)."""

from __future__ import annotations

import json
import random

from phananh.reports.search import fold
from tests.support import AGENCY, OTHER_AGENCY, act, submit


def _marker() -> str:
    return str(random.randint(10_000_000, 99_999_999))  # a number no other report of the session carries


async def _ids(client, headers, q: str) -> set[int]:
    r = await client.get("/api/v1/reports", params={"q": q, "page_size": 100}, headers=headers)
    assert r.status_code == 200, r.text
    return {item["id"] for item in r.json()["items"]}


def test_folding_removes_case_and_vietnamese_diacritics():
    assert fold("Sạt LỞ  đất") == fold("sat lo dat") == "sat lo dat"
    assert fold("Ổ GÀ trên đường Đê Bao") == "o ga tren duong de bao"
    assert fold("Nguyễn Thị Ánh Tuyết") == "nguyen thi anh tuyet"


def test_folding_outside_vietnamese_letters_is_the_same_rule():
    """The fast path (Latin marks, then ASCII) and the general one (any script, any mark, any control) agree."""
    assert fold("Ấp 3\x00gần\tchợ\x7f") == "ap 3 gan cho"  # controls (NUL too) are spaces
    assert fold("Ấp\u00a03 ÉCOLE ﬁn Straße") == "ap 3 ecole fin strasse"  # non-ASCII left, still folded
    assert fold("Ấp\u200b3\u0483") == "ap 3"  # a format character is a space, a Cyrillic mark is dropped
    assert fold("Đà Nẵng ı ð") == "da nang i d"


async def test_dispatcher_finds_reports_without_diacritics_or_in_capitals(client, tokens):
    m = _marker()
    landslide = await submit(client, title=f"Sạt lở bờ kè {m}", description="Bờ kè bị sạt lở nghiêm trọng.")
    pothole = await submit(client, title=f"Ổ gà lớn {m}", description="Xe máy dễ té ngã.",
                           address=f"Đường Đê Bao {m}")
    headers = await tokens("dispatcher")
    assert await _ids(client, headers, f"sat lo bo ke {m}") == {landslide["id"]}
    assert await _ids(client, headers, f"SẠT LỞ BỜ KÈ {m}") == {landslide["id"]}
    assert await _ids(client, headers, f"Sạt lở bờ kè {m}") == {landslide["id"]}
    assert await _ids(client, headers, f"o ga lon {m}") == {pothole["id"]}
    assert await _ids(client, headers, f"Ổ GÀ LỚN {m}") == {pothole["id"]}
    assert await _ids(client, headers, f"duong de bao {m}") == {pothole["id"]}  # "d" finds "đ", in the address
    assert await _ids(client, headers, f"sat lo {m}x") == set()


async def test_like_wildcards_in_a_query_are_plain_characters(client, tokens):
    m = _marker()
    await submit(client, title=f"Cống ngập {m}")
    headers = await tokens("dispatcher")
    assert await _ids(client, headers, f"cong%{m}") == set()
    assert await _ids(client, headers, f"cong_ngap {m}") == set()


async def test_an_agency_finds_only_its_own_reports(client, tokens):
    m = _marker()
    ours = await submit(client, title=f"Sạt lở đường {m}")
    theirs = await submit(client, title=f"Sạt lở cầu {m}")
    dispatcher = await tokens("dispatcher")
    await act(client, ours["id"], "assign", {"agency": AGENCY}, headers=dispatcher)
    await act(client, theirs["id"], "assign", {"agency": OTHER_AGENCY}, headers=dispatcher)
    assert await _ids(client, await tokens(f"handler.{AGENCY}"), f"SAT LO DUONG {m}") == {ours["id"]}
    assert theirs["id"] not in await _ids(client, await tokens(f"handler.{AGENCY}"), f"sat lo cau {m}")
    assert await _ids(client, await tokens(f"handler.{AGENCY}"), f"sat lo duong {m}") == {ours["id"]}


async def test_the_public_finds_reviewed_reports_by_their_public_words_only(client, tokens):
    m = _marker()
    dispatcher = await tokens("dispatcher")
    shown = await submit(client, title=f"Ngập úng khu dân cư {m}", description=f"Ông Nguyễn Văn Tám {m} báo ngập.")
    hidden = await submit(client, title=f"Ngập úng chợ {m}")
    await act(client, shown["id"], "make_public", headers=dispatcher)
    await act(client, shown["id"], "redact", {"public_description": f"Khu dân cư bị ngập {m}."}, headers=dispatcher)
    assert await _ids(client, {}, f"NGAP UNG KHU DAN CU {m}") == {shown["id"]}
    assert await _ids(client, {}, f"ngap ung cho {m}") == set()  # not reviewed: nothing public
    assert await _ids(client, {}, f"nguyen van tam {m}") == set()  # redacted away from the public view
    assert await _ids(client, dispatcher, f"nguyen van tam {m}") == {shown["id"]}  # staff search the original
    assert hidden["id"] in await _ids(client, dispatcher, f"ngap ung cho {m}")
    page = await client.get("/cong-khai", params={"q": f"ngap ung khu dan cu {m}"})
    assert page.status_code == 200 and shown["code"] in page.text


async def test_the_export_filter_is_diacritic_insensitive(client, tokens):
    m = _marker()
    made = await submit(client, title=f"Sạt lở đê biển {m}")
    r = await client.get("/api/v1/exports/reports", params={"format": "json", "q": f"SAT LO DE BIEN {m}"},
                         headers=await tokens("dispatcher"))
    assert r.status_code == 200, r.text
    rows = json.loads(r.content)
    rows = rows["items"] if isinstance(rows, dict) else rows
    assert [row.get("code") or row.get("Mã phản ánh") for row in rows] == [made["code"]]


async def test_a_search_counts_its_matches_up_to_a_cap(client, tokens, monkeypatch):
    from phananh.reports import queries

    m = _marker()
    made = [await submit(client, title=f"Đèn đường hỏng {m} #{i}") for i in range(3)]
    headers = await tokens("dispatcher")
    monkeypatch.setattr(queries, "SEARCH_COUNT_CAP", 2)
    capped = (await client.get("/api/v1/reports", params={"q": f"den duong hong {m}"}, headers=headers)).json()
    assert capped["total"] == 2 and capped["total_capped"] is True
    assert {i["id"] for i in capped["items"]} == {r["id"] for r in made}  # the page itself is not capped
    exact = (await client.get("/api/v1/reports", params={"q": f"den duong hong {m} #1"}, headers=headers)).json()
    assert exact["total"] == 1 and "total_capped" not in exact
