"""The statistics report of a period as an XLSX workbook (small: built in memory from the overview)."""

from __future__ import annotations

import io

from phananh.exports.cells import write_xlsx_row

STAGE_VI = {"distribute": "Phân phối", "return": "Chuyển trả", "respond": "Phản hồi", "publish": "Công khai kết quả",
            "contact": "Liên hệ lãnh đạo (khẩn cấp)"}
STATUS_VI = {
    "received": "Tiếp nhận", "assigned": "Đã phân phối", "returned": "Chuyển trả", "in_progress": "Đang xử lý",
    "resolved": "Đã có kết quả", "published": "Đã công khai", "closed": "Đã đóng", "rejected": "Từ chối",
    "merged": "Đã gộp",
}


def _hours(seconds) -> float | None:
    return round(seconds / 3600, 2) if seconds is not None else None


def workbook(ov: dict, *, title: str) -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    # names come from admins: text cells are written as text only, never as formulas, URLs or numbers
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                     "strings_to_numbers": False})
    bold = book.add_format({"bold": True})
    pct = book.add_format({"num_format": "0.0%"})

    def sheet(name: str, header: list[str], rows: list[list], pct_cols=()):
        ws = book.add_worksheet(name)
        write_xlsx_row(ws, 0, header, bold)
        for i, row in enumerate(rows, start=1):
            write_xlsx_row(ws, i, row, formats={j: pct for j in pct_cols})
        ws.set_column(0, 0, 40)
        ws.set_column(1, len(header), 16)

    t, period = ov["totals"], ov["period"]
    summary = [
        ["Báo cáo", title], ["Phạm vi", ov.get("scope", {}).get("name", "")],
        ["Từ ngày", period["from"]], ["Đến ngày", period["to"]],
        ["Tiếp nhận", t["received"]], ["Đang xử lý", t["open"]], ["Đã xử lý xong", t["done"]],
        ["Từ chối", t["rejected"]], ["Đã gộp", t["merged"]],
        ["Khẩn cấp", t.get("urgent")], ["Quá hạn (hiện tại)", ov.get("now", {}).get("overdue")],
        ["Sắp quá hạn (hiện tại)", ov.get("now", {}).get("at_risk")],
        ["Tỷ lệ đúng hạn", ov["on_time"]["overall"]["rate"]],
        ["Điểm hài lòng trung bình", ov["satisfaction"]["average"]],
    ]
    ws = book.add_worksheet("Tổng quan")
    for i, (k, v) in enumerate(summary):
        write_xlsx_row(ws, i, [k], bold)
        write_xlsx_row(ws, i, [v], pct if k == "Tỷ lệ đúng hạn" else None, first_col=1)
    ws.set_column(0, 0, 32)
    ws.set_column(1, 1, 40)
    sheet("Theo trạng thái", ["Trạng thái", "Số phản ánh"],
          [[STATUS_VI.get(k, k), v] for k, v in ov["by_status"].items()])
    sheet("Theo lĩnh vực", ["Lĩnh vực", "Số phản ánh"], [[x["name"], x["count"]] for x in ov["by_category"]])
    sheet("Theo địa bàn", ["Xã/phường", "Số phản ánh"], [[x["name"], x["count"]] for x in ov["by_area"]])
    if "by_agency" in ov:
        sheet("Theo cơ quan", ["Cơ quan", "Số phản ánh"], [[x["name"], x["count"]] for x in ov["by_agency"]])
    sheet("Theo thời gian", ["Kỳ", "Số phản ánh"], [[x["period"], x["count"]] for x in ov["series"]])
    stage_rows = []
    for stage, v in ov["on_time"]["by_stage"].items():
        dur = ov["durations"][stage]
        stage_rows.append([STAGE_VI[stage], v["on_time"], v["late"], v["rate"], _hours(dur["avg_seconds"]),
                           _hours(dur["median_seconds"]), _hours(dur["p90_seconds"])])
    if "contact" in ov:
        c = ov["contact"]
        stage_rows.append([STAGE_VI["contact"], c["count"], None, None, _hours(c["avg_seconds"]),
                           _hours(c["median_seconds"]), _hours(c["p90_seconds"])])
    sheet("Đúng hạn theo giai đoạn", ["Giai đoạn", "Đúng hạn", "Trễ hạn", "Tỷ lệ đúng hạn", "Trung bình (giờ)",
                                      "Trung vị (giờ)", "P90 (giờ)"], stage_rows, pct_cols=(3,))
    if "agency_ranking" in ov["on_time"]:
        sheet("Đúng hạn theo cơ quan", ["Cơ quan", "Đúng hạn", "Trễ hạn", "Tỷ lệ đúng hạn"],
              [[x["name"], x["on_time"], x["late"], x["rate"]] for x in ov["on_time"]["agency_ranking"]],
              pct_cols=(3,))
    sat = ov["satisfaction"]
    sheet("Mức độ hài lòng", ["Điểm", "Số đánh giá"], [[f"{k} sao", v] for k, v in sat["distribution"].items()])
    book.close()
    return buf.getvalue()
