"""The rows of a reports export: columns, and the streamed query in batches (constant memory)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from phananh.auth.principal import Principal
from phananh.directory.service import Directory
from phananh.reports.codes import report_code
from phananh.reports.tables import reports
from phananh.sla.calendar import TZ
from phananh.workflow import Role

BATCH = 2000
IDENTITY_ROLES = frozenset({Role.dispatcher, Role.admin})

# (key, Vietnamese header)
COLUMNS = [
    ("code", "Mã phản ánh"), ("status", "Trạng thái"), ("category", "Lĩnh vực"), ("area", "Xã/phường"),
    ("agency", "Cơ quan xử lý"), ("urgent", "Khẩn cấp"), ("title", "Tiêu đề"), ("description", "Nội dung"),
    ("address", "Địa chỉ"), ("lat", "Vĩ độ"), ("lon", "Kinh độ"), ("channel", "Kênh"),
    ("created_at", "Thời điểm tiếp nhận"), ("updated_at", "Cập nhật lần cuối"),
    ("public_response", "Phản hồi"), ("result", "Kết quả xử lý"), ("reject_reason", "Lý do từ chối"),
    ("rating", "Đánh giá"), ("rating_comment", "Nhận xét của người phản ánh"),
]
IDENTITY_COLUMNS = [("reporter_name", "Họ tên người phản ánh"), ("reporter_phone", "Số điện thoại"),
                    ("reporter_email", "Email")]
STATUS_VI = {
    "received": "Tiếp nhận", "assigned": "Đã phân phối", "returned": "Chuyển trả", "in_progress": "Đang xử lý",
    "resolved": "Đã có kết quả", "published": "Đã công khai", "closed": "Đã đóng", "rejected": "Từ chối",
    "merged": "Đã gộp",
}


def with_identity(p: Principal) -> bool:
    """Personal data columns only for the roles that see every reporter's identity (ARCHITECTURE §5)."""
    return p.role in IDENTITY_ROLES


def columns(identity: bool) -> list[tuple[str, str]]:
    return COLUMNS + (IDENTITY_COLUMNS if identity else [])


def _local(moment: datetime | None) -> str:
    return moment.astimezone(TZ).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def shape(r, d: Directory, identity: bool, viewer: Principal) -> dict:
    from phananh.reports.scope import may_see_identity

    category = d.category_by_id.get(r.category_id)
    area = d.area_by_id.get(r.area_id) if r.area_id else None
    agency = d.agency_by_id.get(r.agency_id) if r.agency_id else None
    row = {
        "code": report_code(r.id, r.created_at), "status": STATUS_VI.get(r.status, r.status),
        "category": category["name_vi"] if category else "", "area": area["name"] if area else "",
        "agency": agency["name"] if agency else "", "urgent": "Có" if r.urgent else "",
        "title": r.title or "", "description": r.description or "", "address": r.address or "",
        "lat": r.lat, "lon": r.lon, "channel": r.channel, "created_at": _local(r.created_at),
        "updated_at": _local(r.updated_at), "public_response": r.public_response or "", "result": r.result or "",
        "reject_reason": r.reject_reason or "", "rating": r.rating, "rating_comment": r.rating_comment or "",
    }
    if identity:
        shown = may_see_identity(viewer, r._mapping) and not r.anonymous
        row["reporter_name"] = (r.reporter_name or "") if shown else ""
        row["reporter_phone"] = (r.reporter_phone or "") if shown else ""
        row["reporter_email"] = (r.reporter_email or "") if shown else ""
    return row


_SELECTED = [reports.c[name] for name in (
    "id", "status", "category_id", "area_id", "agency_id", "urgent", "title", "description", "address", "lat",
    "lon", "channel", "created_at", "updated_at", "public_response", "result", "reject_reason", "rating",
    "rating_comment", "anonymous", "reporter_name", "reporter_phone", "reporter_email", "reporter_user_id",
    "share_identity_with_agency")]


async def batches(conn: AsyncConnection, where, *, d: Directory, identity: bool,
                  viewer: Principal) -> AsyncIterator[list[dict]]:
    """Rows in batches of `BATCH`, through a server-side cursor (`stream_results`), oldest first."""
    query = select(*_SELECTED).where(where).order_by(reports.c.id).execution_options(yield_per=BATCH)
    result = await conn.stream(query)
    async for partition in result.partitions(BATCH):
        yield [shape(r, d, identity, viewer) for r in partition]
