"""What is held about a citizen, erasing their identity, and who read it (Law 91/2025/QH15).

A citizen's reports are those sent while signed in (`reporter_user_id`) and those that carry the phone number
they proved by their one-time code. Erasing replaces the identity on each report by a tombstone and keeps the
report (a public-interest record); each erasure is an `erase_identity` event (no values in its payload), never
an update of an older event. The same erasure, with reason `retention`, runs on reports closed long ago.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, and_, cast, false, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from phananh.auth.principal import Principal
from phananh.auth.tables import api_tokens, otp_codes, users
from phananh.directory import service as directory
from phananh.domain_errors import Forbidden, NotSignedIn
from phananh.notifications.tables import notifications
from phananh.reports import service as reports_service
from phananh.reports.codes import report_code
from phananh.reports.present import event_view, local, media_view, report_view
from phananh.reports.queries import events_with_actor
from phananh.reports.tables import events, identity_reads, media, media_derivatives, reports
from phananh.sla import service as sla
from phananh.workflow import TERMINAL_STATES, Role

ERASE_ACTION = "erase_identity"
TOMBSTONE_NAME = "[đã xóa theo yêu cầu]"
# Notification status of an outbox row that will never be sent (8 characters: the column's width).
CANCELED = "canceled"
# Entering a terminal state: the retention period runs from this event.
TERMINAL_ACTIONS = ("close", "reject", "merge")
_n = notifications.c


def phone_forms(phone: str | None) -> list[str]:
    """The ways a Vietnamese number may have been typed on a report: +84…, 84…, 0…."""
    if not phone:
        return []
    digits = phone.lstrip("+")
    forms = {phone, digits}
    if digits.startswith("84"):
        forms.add("0" + digits[2:])
    return sorted(forms)


def citizen_only(p: Principal) -> Principal:
    """Only a citizen signed in with their phone holds these rights here; staff use their own tools."""
    if p.role == Role.anonymous:
        raise NotSignedIn("unauthorized", "Sign in to do this.")
    if p.role != Role.citizen or p.user_id is None:
        raise Forbidden("citizens_only", "Only a citizen signed in with their phone number can do this.")
    return p


def own_clause(p: Principal):
    """The citizen's reports: sent while signed in, or carrying the phone number they proved."""
    forms = phone_forms(p.phone)
    by_phone = reports.c.reporter_phone.in_(forms) if forms else false()
    return or_(reports.c.reporter_user_id == p.user_id, by_phone)


def has_identity():
    """A report that still carries something of its reporter's identity."""
    return or_(reports.c.reporter_phone.is_not(None), reports.c.reporter_email.is_not(None),
               reports.c.reporter_user_id.is_not(None),
               and_(reports.c.reporter_name.is_not(None), reports.c.reporter_name != TOMBSTONE_NAME))


# ---------------------------------------------------------------------------------------------- the download


async def my_data(conn: AsyncConnection, p: Principal, *, now: datetime) -> dict:
    """Everything held about the citizen: account, reports with their public history, consents, notifications,
    media links and the reads of their identity."""
    d = await directory.load(conn)
    account = (await conn.execute(select(users.c.username, users.c.phone, users.c.created_at)
                                  .where(users.c.id == p.user_id))).mappings().one()
    rows = [dict(r) for r in (await conn.execute(
        select(reports).where(own_clause(p)).order_by(reports.c.id))).mappings()]
    ids = [r["id"] for r in rows]
    deadlines = await sla.running_deadlines(conn, ids, now) if ids else {}
    media_by_report: dict[int, list[dict]] = {}
    if ids:
        for m in (await conn.execute(
                select(media, media_derivatives.c.status.label("derivative_status"))
                .select_from(media.outerjoin(media_derivatives, media_derivatives.c.media_id == media.c.id))
                .where(media.c.report_id.in_(ids)).order_by(media.c.id))).mappings():
            media_by_report.setdefault(m["report_id"], []).append({**media_view(m), "purpose": m["purpose"]})
    events_by_report: dict[int, list[dict]] = {}
    if ids:
        for e in (await conn.execute(events_with_actor.where(events.c.report_id.in_(ids))
                                     .order_by(events.c.id))).mappings():
            view = event_view(dict(e), public=True, d=d)  # the reporter's view: role and agency, no username
            if view is not None:
                events_by_report.setdefault(e["report_id"], []).append(view)

    out_reports, consents, media_links = [], [], []
    for r in rows:
        code = report_code(r["id"], r["created_at"])
        view = report_view(r, d=d, viewer=p, deadlines=deadlines.get(r["id"], []),
                           media=media_by_report.get(r["id"], []), now=now, reporter=True)
        view["reporter"] = {"name": r["reporter_name"], "phone": r["reporter_phone"], "email": r["reporter_email"]}
        view["tracking_token"] = r["tracking_token"]
        view["events"] = events_by_report.get(r["id"], [])
        out_reports.append(view)
        consents.append({"report": code, "given": r["consent"], "at": local(r["consent_at"]),
                         "purpose": r["consent_purpose"], "share_identity_with_agency": r["share_identity_with_agency"]})
        media_links += [{"report": code, "id": m["id"], "kind": m["kind"], "purpose": m["purpose"], "url": m["url"]}
                        for m in view["media"]]
    return {
        "generated_at": local(now),
        "legal_basis": "Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15",
        "account": {"phone": account["phone"], "username": account["username"],
                    "created_at": local(account["created_at"])},
        "reports": out_reports,
        "consents": consents,
        "notifications": await _notifications(conn, p, rows),
        "media": media_links,
        "identity_reads": await identity_reads_of(conn, p, d=d),
    }


def _addressed_to(p: Principal | None, rows: list[dict]):
    """Outbox rows addressed to the reporter of `rows` (by account, or by the phone or email on their report)."""
    conds = [_n.recipient_user_id == p.user_id] if p is not None else []
    for r in rows:
        addresses = [a for a in (r["reporter_phone"], r["reporter_email"]) if a]
        if r["reporter_user_id"] is not None:
            conds.append(and_(_n.report_id == r["id"], _n.recipient_user_id == r["reporter_user_id"]))
        if addresses:
            conds.append(and_(_n.report_id == r["id"], _n.address.in_(addresses)))
    return or_(*conds) if conds else false()


async def _notifications(conn: AsyncConnection, p: Principal, rows: list[dict]) -> list[dict]:
    created = {r["id"]: r["created_at"] for r in rows}
    found = (await conn.execute(
        select(notifications, reports.c.created_at.label("report_created_at"))
        .select_from(notifications.outerjoin(reports, reports.c.id == _n.report_id))
        .where(_addressed_to(p, rows)).order_by(_n.id))).mappings().all()
    return [{"id": n["id"], "channel": n["channel"], "address": n["address"], "kind": n["kind"],
             "subject": n["subject"], "body": n["body"], "status": n["status"],
             "report": report_code(n["report_id"], created.get(n["report_id"]) or n["report_created_at"])
             if n["report_id"] else None,
             "created_at": local(n["created_at"]), "sent_at": local(n["sent_at"]), "read_at": local(n["read_at"])}
            for n in found]


# ------------------------------------------------------------------------------------------ who read my identity

# What a staff member was doing when the identity was shown (identity_reads.via).
READ_PURPOSES = {
    "report": "Opened the report",
    "list": "Saw it in a list of reports",
    "media_original": "Opened an original photo or video",
    "export": "Exported reports",
}


async def identity_reads_of(conn: AsyncConnection, p: Principal, *, d=None) -> list[dict]:
    """Every read of the citizen's identity by staff: when, which agency and role, why — never who by name."""
    d = d or await directory.load(conn)
    reader = users.alias("reader")
    rows = (await conn.execute(
        select(identity_reads.c.at, identity_reads.c.via, reports.c.id.label("report_id"), reports.c.created_at,
               reader.c.role, reader.c.agency_id)
        .select_from(identity_reads.join(reports, reports.c.id == identity_reads.c.report_id)
                     .join(reader, reader.c.id == identity_reads.c.user_id))
        .where(own_clause(p)).order_by(identity_reads.c.at.desc(), identity_reads.c.id.desc()))).mappings().all()
    out = []
    for r in rows:
        agency = d.agency_by_id.get(r["agency_id"])
        purpose = r["via"].split(":", 1)[0]
        out.append({"at": local(r["at"]), "report": report_code(r["report_id"], r["created_at"]),
                    "role": r["role"], "agency": {"code": agency["code"], "name": agency["name"]} if agency else None,
                    "purpose": purpose if purpose in READ_PURPOSES else "other"})
    return out


# --------------------------------------------------------------------------------------------------- erasure


@dataclass(frozen=True)
class Erased:
    reports: int = 0
    canceled_notifications: int = 0


async def erase_report_identity(conn: AsyncConnection, report: dict, *, principal: Principal, now: datetime,
                                reason: str) -> int:
    """Replace one report's reporter identity by the tombstone, stop what was queued for them, and append the
    `erase_identity` event; returns how many queued notifications were cancelled. Under the optimistic version
    lock: an action racing it loses (409) rather than notify the old address."""
    erased = [name for name, column in (("reporter_name", "reporter_name"), ("reporter_phone", "reporter_phone"),
                                        ("reporter_email", "reporter_email"), ("reporter_account", "reporter_user_id"))
              if report[column] is not None and not (column == "reporter_name" and report[column] == TOMBSTONE_NAME)]
    changes = {"reporter_name": TOMBSTONE_NAME if report["reporter_name"] is not None else None,
               "reporter_phone": None, "reporter_email": None, "reporter_user_id": None,
               "share_identity_with_agency": False}
    canceled = await _forget_addresses(conn, report)
    # The row is written by the event pipeline with the event, under the version check (a racing action: 409,
    # and this transaction, the forgotten addresses included, rolls back).
    await reports_service.record_event(
        conn, report=report, changes=changes, action=ERASE_ACTION, principal=principal, now=now, public=False,
        payload={"reason": reason, "fields": erased, "consent_withdrawn": reason == "request",
                 "notifications_canceled": canceled})
    return canceled


async def _forget_addresses(conn: AsyncConnection, report: dict) -> int:
    """Outbox rows of this report addressed to its reporter: queued ones cancelled, the address (also in the
    dedupe key) removed from every one of them; the message itself carries no identity."""
    mine = and_(_n.report_id == report["id"], _addressed_to(None, [report]))
    canceled = (await conn.execute(update(notifications).where(mine, _n.status == "pending")
                                   .values(status=CANCELED, next_attempt_at=None,
                                           last_error="canceled: the reporter's identity was erased"))).rowcount
    await conn.execute(update(notifications).where(mine).values(
        address=None, dedupe_key=literal("erased:").concat(cast(_n.id, String))))
    return canceled


async def erase_my_identity(conn: AsyncConnection, p: Principal, *, now: datetime) -> Erased:
    """The citizen withdraws consent and erases their identity, in the caller's transaction: every report of
    theirs keeps its content under a tombstone; their account is closed (its username, the phone number, becomes
    `erased-<id>`) and its sign-ins revoked; codes sent to the phone forget it. Signing in again with the phone
    starts a new, empty account."""
    rows = [dict(r) for r in (await conn.execute(
        select(reports).where(own_clause(p), has_identity()).order_by(reports.c.id))).mappings()]
    as_reporter = Principal(role=Role.citizen)  # events never name the citizen
    canceled = 0
    for r in rows:
        canceled += await erase_report_identity(conn, r, principal=as_reporter, now=now, reason="request")
    # In-app notices to the account not tied to a report (none today) stop too.
    canceled += (await conn.execute(update(notifications).where(_n.recipient_user_id == p.user_id,
                                                                _n.status == "pending")
                                    .values(status=CANCELED, next_attempt_at=None))).rowcount
    tombstone = f"erased-{p.user_id}"
    await conn.execute(update(users).where(users.c.id == p.user_id).values(
        username=tombstone, phone=None, email=None, full_name="", active=False))
    await conn.execute(update(api_tokens).where(api_tokens.c.user_id == p.user_id).values(revoked=True))
    if p.phone:
        await conn.execute(update(otp_codes).where(otp_codes.c.phone == p.phone).values(phone=tombstone, used=True))
    return Erased(reports=len(rows), canceled_notifications=canceled)


# -------------------------------------------------------------------------------------------------- retention


def years_before(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - years, day=28)


def expired_clause(cutoff: datetime):
    """Reports in a terminal state entered before `cutoff` that still carry their reporter's identity."""
    ended_before = select(events.c.id).where(events.c.report_id == reports.c.id,
                                             events.c.action.in_(TERMINAL_ACTIONS), events.c.at < cutoff).exists()
    return and_(reports.c.status.in_([s.value for s in TERMINAL_STATES]), has_identity(), ended_before)


async def expired_report_ids(conn: AsyncConnection, *, now: datetime, years: int, limit: int | None = None) -> list[int]:
    query = select(reports.c.id).where(expired_clause(years_before(now, years))).order_by(reports.c.id)
    return list((await conn.execute(query.limit(limit) if limit else query)).scalars())
