"""Exports for state bodies, opened back as a person would: Vietnamese intact, every row, identity only when allowed."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
from sqlalchemy import select

from phananh.exports.tables import exports
from tests.support import AGENCY, act, submit

EXPORT = "/api/v1/exports/reports"
TITLE = "Sạt lở bờ kè đường Nguyễn Tất Thành – khẩn"
REPORTER = {"name": "Trần Thị Ánh Tuyết", "phone": "0987654321", "email": "tuyet.tran@example.vn"}


async def _three_reports(client, tokens, marker: str) -> list[dict]:
    made = [await submit(client, title=f"{TITLE} {marker} #{i}", reporter=REPORTER, category="thien-tai")
            for i in range(3)]
    await act(client, made[0]["id"], "assign", {"agency": AGENCY}, headers=await tokens("dispatcher"))
    return made


def _csv_rows(content: bytes) -> list[dict]:
    assert content.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM, so that Excel shows Vietnamese"
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


async def test_dispatcher_csv_keeps_vietnamese_and_every_row_with_the_reporter(client, tokens):
    made = await _three_reports(client, tokens, "csv-dispatcher")
    r = await client.get(EXPORT, params={"format": "csv", "q": "csv-dispatcher"}, headers=await tokens("dispatcher"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    rows = _csv_rows(r.content)
    assert len(rows) == len(made)
    assert {row["Tiêu đề"] for row in rows} == {f"{TITLE} csv-dispatcher #{i}" for i in range(3)}
    assert {row["Họ tên người phản ánh"] for row in rows} == {REPORTER["name"]}
    assert {row["Số điện thoại"] for row in rows} == {REPORTER["phone"]}
    assert "Đã phân phối" in {row["Trạng thái"] for row in rows}


async def test_supervisor_export_has_no_personal_data(client, tokens):
    await _three_reports(client, tokens, "csv-supervisor")
    r = await client.get(EXPORT, params={"format": "csv", "q": "csv-supervisor"}, headers=await tokens("supervisor"))
    assert r.status_code == 200
    rows = _csv_rows(r.content)
    assert len(rows) == 3
    assert "Họ tên người phản ánh" not in rows[0] and "Số điện thoại" not in rows[0]
    assert REPORTER["name"] not in r.content.decode("utf-8-sig")
    assert REPORTER["phone"] not in r.content.decode("utf-8-sig")


async def test_agency_export_holds_only_its_reports_without_identity(client, tokens):
    made = await _three_reports(client, tokens, "csv-agency")
    r = await client.get(EXPORT, params={"format": "csv", "q": "csv-agency"}, headers=await tokens(f"handler.{AGENCY}"))
    rows = _csv_rows(r.content)
    assert [row["Mã phản ánh"] for row in rows] == [made[0]["code"]]
    assert REPORTER["email"] not in r.content.decode("utf-8-sig")


async def test_xlsx_opens_in_openpyxl_with_vietnamese_and_every_row(client, tokens):
    await _three_reports(client, tokens, "xlsx-export")
    r = await client.get(EXPORT, params={"format": "xlsx", "q": "xlsx-export"}, headers=await tokens("supervisor"))
    assert r.status_code == 200, r.text
    book = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    header, data = rows[0], rows[1:]
    assert "Tiêu đề" in header and "Số điện thoại" not in header
    assert len(data) == 3
    titles = {row[header.index("Tiêu đề")] for row in data}
    assert titles == {f"{TITLE} xlsx-export #{i}" for i in range(3)}


async def test_json_export_and_every_export_is_recorded(client, tokens, engine):
    await _three_reports(client, tokens, "json-export")
    r = await client.get(EXPORT, params={"format": "json", "q": "json-export", "category": "thien-tai"},
                         headers=await tokens("dispatcher"))
    items = json.loads(r.content)
    assert len(items) == 3 and all(i["reporter_name"] == REPORTER["name"] for i in items)
    async with engine.connect() as conn:
        row = (await conn.execute(select(exports).order_by(exports.c.id.desc()).limit(1))).mappings().first()
    assert (row["username"], row["format"], row["row_count"], row["with_identity"]) == ("dispatcher", "json", 3, True)
    assert row["filters"] == {"q": "json-export", "category": "thien-tai"}
    assert row["finished_at"] is not None


async def test_citizens_cannot_export(client):
    r = await client.get(EXPORT, params={"format": "csv"})
    assert r.status_code == 401


async def test_statistics_report_of_a_period_as_xlsx(client, tokens):
    await _three_reports(client, tokens, "stats-xlsx")
    r = await client.get("/api/v1/exports/stats.xlsx", headers=await tokens("supervisor"))
    assert r.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    assert {"Tổng quan", "Theo lĩnh vực", "Đúng hạn theo giai đoạn", "Mức độ hài lòng"} <= set(book.sheetnames)
    by_category = {row[0]: row[1] for row in book["Theo lĩnh vực"].iter_rows(min_row=2, values_only=True)}
    assert by_category["Thiên tai"] >= 3
