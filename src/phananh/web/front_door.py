"""The citizen's front door (issue 14): categories in order of use, the tracking code's QR, the promise in plain words."""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from phananh.reports.tables import reports

OTHER_CATEGORY = "khac"  # "Lĩnh vực khác": always last
# The icon of each category in /static/icons/form.svg, by its code or a word of it (province packs name their own
# categories); "more" for any other.
CATEGORY_ICONS = {
    "giao-thong": "road", "dich-benh": "virus", "thoi-tiet": "cloud", "thien-tai": "wave", "ngap-nuoc": "wave",
    "an-ninh": "shield", "trat-tu": "shield", "y-te": "health", "gop-y": "idea", "ha-tang": "building",
    "ve-sinh": "bin", "moi-truong": "bin", "giao-duc": "book", "chieu-sang": "bolt", "dien": "bolt",
    "nuoc": "drop", "vi-pham": "alert",
}


def category_icon(code: str) -> str:
    """The icon's symbol id for a category code: an exact entry, else the first entry the code contains."""
    if code in CATEGORY_ICONS:
        return CATEGORY_ICONS[code]
    return next((icon for key, icon in CATEGORY_ICONS.items() if key in code), "more")
USAGE_TTL_SECONDS = 600.0
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
_usage: dict[int, tuple[float, dict[int, int]]] = {}  # id(engine) -> (read at, reports per category id)


async def category_usage(engine: AsyncEngine) -> dict[int, int]:
    """Reports per category id, read at most every ten minutes per process."""
    cached = _usage.get(id(engine))
    if cached and time.monotonic() - cached[0] < USAGE_TTL_SECONDS:
        return cached[1]
    async with engine.connect() as conn:
        counts = dict((await conn.execute(
            select(reports.c.category_id, func.count()).group_by(reports.c.category_id))).tuples().all())
    _usage[id(engine)] = (time.monotonic(), counts)
    return counts


def qr_svg(url: str) -> str:
    """A standalone SVG document (with its namespace, so that an <img> shows it)."""
    import io

    import segno

    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=4, dark="#000", light="#fff", xmldecl=False)
    return out.getvalue().decode()


WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")


def time_of_day(due: datetime, now: datetime, lang: str = "vi") -> str:
    """'trước 10:30 hôm nay' / 'trước 08:30 ngày mai (Thứ Hai)' / 'trước 08:30 Thứ Hai 12/05', in local time;
    in English 'before 10:30 today' / 'before 08:30 tomorrow (Monday)' / 'before 08:30 on Monday 12 May'."""
    due, now = due.astimezone(LOCAL), now.astimezone(LOCAL)
    hm = due.strftime("%H:%M")
    days = (due.date() - now.date()).days
    if lang == "en":
        weekday = due.strftime("%A")
        day = "today" if days == 0 else (f"tomorrow ({weekday})" if days == 1
                                         else f"on {weekday} {due.day} {due.strftime('%B')}")
        return f"before {hm} {day}"
    if days == 0:
        return f"trước {hm} hôm nay"
    if days == 1:
        return f"trước {hm} ngày mai ({WEEKDAYS_VI[due.weekday()]})"
    return f"trước {hm} {WEEKDAYS_VI[due.weekday()]} {due.strftime('%d/%m')}"


promise = time_of_day
