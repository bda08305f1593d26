"""`phananh seed-demo`: Cà Mau's reference data, demo users and a few dozen sample reports.

Sample reports are driven through the same service functions as the API, with backdated clocks, so
their events, SLA clocks and figures are exactly what real use would have produced.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from phananh.auth.principal import Principal
from phananh.auth.security import hash_password
from phananh.auth.tables import users
from phananh.config import Settings
from phananh.db import utcnow
from phananh.demo import catalog, marker
from phananh.demo.samples import REJECT_REASONS, SAMPLE_REPORTS
from phananh.directory.tables import agencies, categories
from phananh.provinces import load as provinces_load
from phananh.reports import service as reports_service
from phananh.reports.schemas import ReportSubmit
from phananh.sla import service as sla
from phananh.sla.clock import at_risk_at, deadline, stage_status
from phananh.workflow import Role

log = logging.getLogger("phananh.demo")

# The actions that bring a fresh report to each state, and the stage clock left running at the end.
PATHS: dict[str, tuple[list[str], str | None]] = {
    "received": ([], "distribute"),
    "assigned": (["assign"], "return"),
    "returned": (["assign", "return"], "distribute"),
    "in_progress": (["assign", "respond"], None),
    "resolved": (["assign", "respond", "resolve"], "publish"),
    "published": (["assign", "respond", "resolve", "publish"], None),
    "closed": (["assign", "respond", "resolve", "publish", "close"], None),
    "rejected": (["reject"], None),
    "merged": (["merge"], None),
}


@dataclass
class SeedResult:
    created: bool
    password: str | None
    users: int = 0
    reports: int = 0


async def has_data(engine: AsyncEngine) -> bool:
    async with engine.connect() as conn:
        return bool((await conn.execute(select(func.count()).select_from(categories))).scalar_one())


async def seed_reference(engine: AsyncEngine) -> None:
    """Cà Mau's reference data: the Cà Mau province pack loaded (categories, areas, agencies, routing, SLA policy,
    working calendar, Open311 questions); no users, no reports."""
    await provinces_load.load(engine, catalog.PACK)


async def seed_users(engine: AsyncEngine, password: str) -> int:
    # One hash for every demo account: they share the password, and 160 argon2 hashes would take seconds.
    password_hash = hash_password(password)
    now = utcnow()
    async with engine.begin() as conn:
        agency_rows = (await conn.execute(select(agencies.c.id, agencies.c.code, agencies.c.name))).all()
        rows = [
            {"username": "admin", "role": Role.admin, "full_name": "Quản trị hệ thống"},
            {"username": "dispatcher", "role": Role.dispatcher, "full_name": "Cán bộ Cổng TTĐT tỉnh",
             "phone": marker.demo_phone_intl(3800001), "email": f"dispatcher@{catalog.DEMO_EMAIL_DOMAIN}"},
            {"username": "supervisor", "role": Role.supervisor, "full_name": "Lãnh đạo UBND tỉnh"},
        ]
        for agency_id, code, name in agency_rows:
            rows.append({"username": f"handler.{code}", "role": Role.handler, "agency_id": agency_id,
                         "full_name": f"Cán bộ xử lý – {name}", "email": f"handler.{code}@{catalog.DEMO_EMAIL_DOMAIN}"})
            rows.append({"username": f"leader.{code}", "role": Role.agency_leader, "agency_id": agency_id,
                         "full_name": f"Lãnh đạo – {name}", "phone": _leader_phone(agency_id),
                         "email": f"leader.{code}@{catalog.DEMO_EMAIL_DOMAIN}"})
        await conn.execute(insert(users), [
            {"password_hash": password_hash, "created_at": now, "agency_id": None, "area_id": None, "phone": None,
             "email": None, **row}
            for row in rows
        ])
    return len(rows)


def _leader_phone(agency_id: int) -> str:
    return marker.demo_phone_intl(9100000 + agency_id)  # +8400…: well formed, reaches nobody


async def seed_demo(engine: AsyncEngine, settings: Settings, *, now: datetime | None = None) -> SeedResult:
    """Load everything when the database is empty; do nothing otherwise."""
    if await has_data(engine):
        return SeedResult(created=False, password=None)
    password = settings.demo_password or secrets.token_urlsafe(9)
    await seed_reference(engine)
    n_users = await seed_users(engine, password)
    n_reports = await seed_sample_reports(engine, settings, now=now or utcnow())
    async with engine.begin() as conn:
        await marker.hold_demo_notifications(conn)  # the samples' SMS and e-mail are never sent
    return SeedResult(created=True, password=password, users=n_users, reports=n_reports)


async def _principal(conn, username: str) -> Principal:
    row = (await conn.execute(select(users).where(users.c.username == username))).mappings().one()
    return Principal(role=Role(row["role"]), user_id=row["id"], username=row["username"], agency_id=row["agency_id"])


def _last_step_age(stage: str | None, situation: str, policy, calendar, now: datetime) -> timedelta:
    """How long ago the last action happened so that `stage`'s running clock is in `situation`."""
    if stage is None:
        return timedelta(minutes=30)
    for minutes in range(5, 72 * 60, 5):
        start = now - timedelta(minutes=minutes)
        due = deadline(start, stage, policy, calendar)
        status = stage_status(due=due, at_risk_at=at_risk_at(start, due, policy, calendar), now=now)
        if status == situation:
            return timedelta(minutes=minutes)
    return timedelta(minutes=30)


async def seed_sample_reports(engine: AsyncEngine, settings: Settings, *, now: datetime) -> int:
    async with engine.connect() as conn:
        policy, calendar = await sla.load_rules(conn)
        dispatcher = await _principal(conn, "dispatcher")
    created: dict[str, int] = {}  # sample ref -> report id
    for sample in SAMPLE_REPORTS:
        actions, stage = PATHS[sample.target_state]
        actions = list(actions)
        if sample.rating and sample.target_state in ("published", "closed"):
            actions.insert(actions.index("publish") + 1, "rate")
        if sample.urgent_hint and sample.target_state not in ("rejected", "merged", "closed"):
            actions[:0] = ["flag_urgent", "log_contact"]
        last_age = _last_step_age(stage, sample.deadline_situation, policy, calendar, now)
        steps = len(actions)
        submitted_at = min(now - timedelta(hours=sample.age_hours), now - last_age - timedelta(minutes=20 * steps))
        times = [submitted_at + (now - last_age - submitted_at) * (i + 1) / steps for i in range(steps)] if steps else []
        reporter = None if sample.anonymous else {"name": sample.reporter_name, "phone": sample.reporter_phone}
        data = ReportSubmit.model_validate({
            "category": sample.category, "title": sample.title, "description": sample.description,
            "location": {"lat": sample.lat, "lon": sample.lon}, "address": sample.address, "area": sample.area,
            "reporter": reporter, "anonymous": sample.anonymous,
            "share_identity_with_agency": sample.share_identity_with_agency, "consent": not sample.anonymous,
            "urgent_hint": sample.urgent_hint, "language": sample.language,
        })
        anonymous = Principal(role=Role.anonymous)
        async with engine.begin() as conn:
            submitted = await reports_service.submit_report(
                conn, data=data, uploads=[], principal=anonymous, settings=settings,
                now=submitted_at if steps else now - last_age, channel=marker.DEMO_CHANNEL,
            )
        report_id = submitted.report_id
        agency_code = sample.agency or catalog.route(sample.category, sample.area) or "van-phong-ubnd-tinh"
        async with engine.connect() as conn:
            leader = await _principal(conn, f"leader.{agency_code}")
            handler = await _principal(conn, f"handler.{agency_code}")
            # The contact a dispatcher writes down is a person ("Lãnh đạo – Sở Y tế"), not an agency code.
            leader_name = (await conn.execute(select(users.c.full_name).where(users.c.id == leader.user_id))).scalar_one()
        for action, at in zip(actions, times):
            body, actor, token = _action_body(action, sample, agency_code, created, leader_name), dispatcher, None
            if action in ("return", "respond", "resolve"):
                actor = handler if action != "return" else leader
            elif action == "rate":
                actor, token = anonymous, submitted.tracking_token
            async with engine.begin() as conn:
                await reports_service.apply_action(conn, report_id=report_id, action=action, body=body, principal=actor,
                                                   now=at, settings=settings, tracking_token=token)
        await _review(engine, settings, sample, report_id, dispatcher,
                      at=min(now, (times[-1] if times else now - last_age) + timedelta(minutes=1)))
        created[sample.ref] = report_id
    return len(created)


async def _review(engine: AsyncEngine, settings: Settings, sample, report_id: int, dispatcher: Principal, *,
                  at: datetime) -> None:
    """The Portal's review of an open sample: its public view redacted, then made public (ARCHITECTURE §5)."""
    steps = []
    redaction = {k: v for k, v in (("public_title", sample.public_title),
                                   ("public_description", sample.public_description)) if v}
    if redaction:
        steps.append(("redact", redaction))
    if sample.make_public:
        steps.append(("make_public", {}))
    for action, body in steps:
        async with engine.begin() as conn:
            await reports_service.apply_action(conn, report_id=report_id, action=action, body=body,
                                               principal=dispatcher, now=at, settings=settings)


def _action_body(action: str, sample, agency_code: str, created: dict[str, int], leader_name: str) -> dict:
    if action == "assign":
        return {"agency": agency_code, "note": "Đề nghị đơn vị kiểm tra, xử lý theo thẩm quyền."}
    if action == "return":
        return {"reason": sample.return_reason or "Nội dung không thuộc thẩm quyền của đơn vị, đề nghị Cổng phân phối lại."}
    if action == "respond":
        return {"message": sample.agency_response or "Đơn vị đã tiếp nhận và đang cử cán bộ kiểm tra hiện trường."}
    if action == "resolve":
        return {"result": sample.result_text or "Đơn vị đã kiểm tra và xử lý xong nội dung phản ánh."}
    if action == "reject":
        return {"reason": sample.reject_reason or REJECT_REASONS["khong-du-thong-tin"].text_vi}
    if action == "merge":
        return {"into": created[sample.merged_into]}
    if action == "log_contact":
        return {"contact": leader_name, "channel": "phone", "outcome": "Đã báo, đơn vị cử người xử lý ngay."}
    if action == "flag_urgent":
        return {"reason": "Nguy hiểm đến tính mạng, tài sản người dân."}
    if action == "rate":
        return {"score": sample.rating, "comment": sample.rating_comment}
    return {}
