"""Submitting reports and applying lifecycle actions: every rule check and every write happens here.

Each action reads the report, asks the workflow whether the actor may act and works out the action's effect;
the event pipeline (`pipeline.py`) then writes it, in the caller's transaction: SLA's decision, the report row
once under an optimistic version check (so that of two racing actions exactly one wins), the event, and the
stages that follow from it. A submit is planned through the same pipeline into one batch.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ValidationError
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from phananh.auth.principal import Principal
from phananh.auth.tables import users
from phananh.batch import Batch, Ref, Step
from phananh.config import Settings
from phananh.directory import service as directory
from phananh.domain_errors import Conflict, Forbidden, InvalidInput, NotFound, NotSignedIn, invalid_fields, not_found
from phananh.live import after_commit
from phananh.reports import intake, pipeline, search, visibility
from phananh.reports import media as media_store
from phananh.reports.codes import id_from_code, new_tracking_token, parse_id, token_matches
from phananh.reports.schemas import ACTION_BODIES, RedactBody, ReportSubmit
from phananh.reports.tables import events, media, reports
from phananh.sla import service as sla
from phananh.workflow import TERMINAL_STATES, Action, Actor, ForbiddenAction, InvalidState, Role, Status, decide

CONSENT_PURPOSE = (
    "Xử lý phản ánh hiện trường và liên hệ lại với người phản ánh "
    "(Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15)."
)
STAFF_CHANNELS = {"hotline", "walk_in", "email", "zalo", "facebook", "other"}
_NEW_REPORT = {c.name: None for c in reports.c if c.name != "id"}


@dataclass(frozen=True)
class Submitted:
    report_id: int
    tracking_token: str
    created: bool
    event: dict | None = None  # the submit event, when this request created the report
    row: dict | None = None  # the report row as written, when this request created the report
    deadlines: list[dict] | None = None  # its running SLA deadlines (`sla.running_deadlines`), for the answer
    media: list[dict] | None = None  # its media rows as written, in the order of the uploads


def request_fingerprint(body: dict, uploads: list[media_store.Upload]) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    digest = hashlib.sha256(canonical.encode())
    for u in uploads:
        digest.update(u.sha256.encode())
    return digest.hexdigest()


async def submit_report(
    conn: AsyncConnection,
    *,
    data: ReportSubmit,
    uploads: list[media_store.Upload],
    principal: Principal,
    settings: Settings,
    now: datetime,
    idempotency_key: str | None = None,
    fingerprint: str | None = None,
    channel: str = "api",
) -> Submitted:
    idempotency_key = (idempotency_key or "").strip() or None  # a blank header is no key
    d = await directory.load(conn)
    category = d.categories.get(data.category)
    if category is None or not category["active"]:
        raise InvalidInput("unknown_category", "Unknown category: {code}.", details={"field": "category"},
                           code=data.category)
    if category["out_of_scope"]:
        # Shown on the form to guide the citizen to the right channel (its hint says which); never taken in.
        en = data.language == "en"
        raise InvalidInput("out_of_scope_category", "Reports about “{name}” are not taken here. {hint}",
                           details={"field": "category"}, name=category["name_en" if en else "name_vi"],
                           hint=category["hint_en" if en else "hint_vi"] or "")
    area = None
    if data.area:
        area = d.areas.get(data.area)
        if area is None:
            raise InvalidInput("unknown_area", "Unknown area: {code}.", details={"field": "area"}, code=data.area)
    elif data.location:
        area = d.area_at(data.location.lat, data.location.lon)  # the boundary holding the pin, else nearest centre

    reporter = data.reporter
    if principal.role == Role.citizen and not data.anonymous and not (reporter and (reporter.phone or reporter.email)):
        reporter_phone = principal.phone
        reporter_name = reporter.name if reporter else None
        reporter_email = reporter.email if reporter else None
    elif not data.anonymous:
        if reporter is None or not (reporter.name or reporter.phone or reporter.email):
            raise InvalidInput("reporter_required",
                               "Give your name and a phone number or email, or choose to report anonymously.",
                               details={"field": "reporter"})
        reporter_name, reporter_phone, reporter_email = reporter.name, reporter.phone, reporter.email
    else:
        reporter_name = reporter_phone = reporter_email = None
    if not data.anonymous and not data.consent:
        raise InvalidInput("consent_required",
                           "Consent to the processing of personal data is required to report with your identity.",
                           details={"field": "consent"})

    if principal.is_staff and data.channel:
        channel = data.channel if data.channel in STAFF_CHANNELS else "other"
    intake.check_citizen_submit(data, channel=channel, is_staff=principal.is_staff)  # description length, phone
    tracking_token = new_tracking_token()
    stored_paths = await media_store.store_all(uploads, settings)
    values = dict(
        status=Status.received, category_id=category["id"], area_id=area["id"] if area else None,
        urgent=False, urgent_hint=data.urgent_hint, title=data.title or "", description=data.description,
        lat=data.location.lat if data.location else None, lon=data.location.lon if data.location else None,
        address=data.address, language=data.language, channel=channel, visibility=data.visibility,
        anonymous=data.anonymous, reporter_name=reporter_name, reporter_phone=reporter_phone,
        reporter_email=reporter_email,
        reporter_user_id=principal.user_id if principal.role == Role.citizen else None,
        share_identity_with_agency=data.share_identity_with_agency and not data.anonymous,
        consent=data.consent, consent_at=now if data.consent else None,
        consent_purpose=CONSENT_PURPOSE if data.consent else None,
        tracking_token=tracking_token, created_at=now, updated_at=now, version=1,
        idempotency_key=idempotency_key, request_hash=fingerprint,
    )
    values.update(search.search_columns(values))  # folded text for diacritic-free search (issue 14)
    new_report = {"id": Ref("report"), **values}  # read by both, changed by neither
    event = _event_row(report=new_report, action="submit", from_status=None,
                       principal=principal, now=now, payload={"category": category["code"], "channel": channel})
    # The pipeline's stages, planned (SLA first: the report row carries its deadline from the start).
    planned = await pipeline.plan_submit(conn, report=new_report, event=event)
    values["next_due_at"] = planned.sla.next_due_at
    # One batch (on PostgreSQL one statement): the report, its event, its media and what follows from the event
    # (its clocks, its counters). With an Idempotency-Key the report is inserted ON CONFLICT DO NOTHING: a retry
    # (even one racing the first send) writes nothing and gets the first report.
    batch = Batch([Step(reports, [{**_NEW_REPORT, **values}], name="report",
                        mode="insert_once" if idempotency_key else "insert", conflict=("idempotency_key",))])
    batch.add(Step(events, [event], name="event"))
    media_rows = [{"report_id": Ref("report"), "event_id": Ref("event"), "purpose": "report", "kind": u.kind,
                   "content_type": u.content_type, "size": u.size, "sha256": u.sha256, "path": path,
                   "created_at": now} for u, path in zip(uploads, stored_paths)]
    if media_rows:
        batch.add(Step(media, media_rows, name="media", many=True))
    batch.add(*planned.steps)
    ids = await batch.run(conn)
    if ids["report"] is None:  # insert_once skipped it: a retry with the same key
        assert idempotency_key is not None
        earlier = await _by_idempotency_key(conn, idempotency_key, fingerprint)
        assert earlier is not None
        return earlier
    report_id = ids["report"]
    deadlines = [sla.deadline_view(c, now) for c in sorted(planned.sla.started, key=lambda c: c["due_at"])]
    event = {**event, "id": ids["event"], "report_id": report_id,
             "scope": {"agency_id": None, "area_id": values["area_id"]}}
    # Live streams hear of it once committed (live/after_commit.py); on PostgreSQL the batch may have been its
    # own transaction, already committed.
    after_commit.note(conn, event, committed=not conn.in_transaction())
    row = {**_EMPTY_REPORT, **values, "id": report_id, "status": Status.received.value}
    written = [{**m, "id": media_id, "report_id": report_id, "event_id": event["id"]}
               for m, media_id in zip(media_rows, ids.get("media", []))]
    return Submitted(report_id, tracking_token, True, event, row, deadlines, written)


_EMPTY_REPORT = {c.name: None for c in reports.c}


async def _by_idempotency_key(conn: AsyncConnection, key: str, fingerprint: str | None) -> Submitted | None:
    row = (
        await conn.execute(
            select(reports.c.id, reports.c.tracking_token, reports.c.request_hash).where(reports.c.idempotency_key == key)
        )
    ).first()
    if row is None:
        return None
    if row.request_hash != fingerprint:
        raise Conflict("idempotency_key_reused", "This Idempotency-Key was already used for a different report.")
    return Submitted(row.id, row.tracking_token, False)


def _event_row(*, report: dict, action: str, from_status: str | None, principal: Principal, now: datetime,
               payload: dict, agency_id: int | None = None, public: bool = True) -> dict:
    staff = principal.is_staff or principal.role == Role.system
    return {
        "report_id": report["id"], "action": action, "from_status": from_status, "to_status": report["status"],
        "actor_role": principal.role.value, "actor_user_id": principal.user_id if staff else None,
        "actor_username": principal.username if staff else None, "agency_id": agency_id, "at": now,
        "public": public, "payload": payload,
    }


async def record_event(conn: AsyncConnection, *, report: dict, action: str, principal: Principal, now: datetime,
                       payload: dict, changes: dict | None = None, public: bool = False) -> dict:
    """Append an event that is no lifecycle action (from_status = to_status), such as privacy's `erase_identity`,
    writing its `changes` to the report row: through the same pipeline as every action."""
    event = _event_row(report=report, action=action, from_status=report["status"], principal=principal, now=now,
                       payload=payload, public=public)
    return await pipeline.commit(conn, report=report, changes=changes or {}, event=event)


def parse_action_body(action: str, body: dict | None) -> BaseModel:
    model = ACTION_BODIES[Action(action)]
    try:
        return model.model_validate(body or {})
    except ValidationError as exc:
        raise invalid_fields(exc)


async def load_report_for_update(conn: AsyncConnection, report_id: int) -> dict:
    row = (await conn.execute(select(reports).where(reports.c.id == report_id))).mappings().first()
    if row is None:
        raise not_found()
    return dict(row)


def actor_for(principal: Principal, report: dict, *, tracking_token: str | None = None) -> Actor:
    of_agency = principal.is_agency_staff and report["agency_id"] is not None and principal.agency_id == report["agency_id"]
    is_reporter = (
        principal.role == Role.citizen and report["reporter_user_id"] == principal.user_id
    ) or (tracking_token is not None and token_matches(tracking_token, report["tracking_token"]))
    return Actor(role=principal.role, user_id=principal.user_id, username=principal.username,
                 of_assigned_agency=of_agency, is_reporter=is_reporter)


async def apply_action(
    conn: AsyncConnection,
    *,
    report_id: int,
    action: str,
    body: dict | None,
    principal: Principal,
    now: datetime,
    settings: Settings,
    uploads: Sequence[media_store.Upload] = (),
    tracking_token: str | None = None,
) -> dict:
    """Apply `action`; returns its event."""
    if action not in ACTION_BODIES:
        raise NotFound("unknown_action", "Unknown action: {action}.", action=action)
    action = Action(action)
    report = await load_report_for_update(conn, report_id)
    actor = actor_for(principal, report, tracking_token=tracking_token)
    try:
        to_status = decide(action, Status(report["status"]), actor)
    except ForbiddenAction:
        if principal.role == Role.anonymous and tracking_token is None:
            raise NotSignedIn("unauthorized", "Sign in to do this.")
        raise Forbidden("forbidden", "Your role may not do “{action}” on this report.", action=action)
    except InvalidState:
        raise Conflict("invalid_state", "“{action}” is not possible while the report is {state}.",
                       action=action, state=report["status"], details={"status": report["status"]})
    params = parse_action_body(action, body)
    d = await directory.load(conn)
    changes, payload, event_agency, public = await _effects(conn, action, params, report, principal, d, now)
    if search.touches_search(changes):
        changes |= search.search_columns({**report, **changes})
    if action == "comment" and actor.is_reporter and not principal.is_staff:
        public = True  # a reporter's comment is always public
        payload["public"] = True

    actor_principal = principal if not actor.is_reporter or principal.role == Role.citizen else Principal(role=Role.citizen)
    event = _event_row(report={"id": report_id, "status": to_status}, action=action, from_status=report["status"],
                       principal=actor_principal, now=now, payload=payload, agency_id=event_agency, public=public)
    event = await pipeline.commit(conn, report=report, changes={"status": to_status, **changes}, event=event)
    event_id = event["id"]
    if isinstance(params, RedactBody) and params.media:  # a redact
        await _request_photo_redaction(conn, report_id, [m.model_dump() for m in params.media], now=now)
    if uploads:
        paths = await media_store.store_all(uploads, settings)
        await conn.execute(insert(media), [
            {"report_id": report_id, "event_id": event_id, "purpose": "result", "kind": u.kind,
             "content_type": u.content_type, "size": u.size, "sha256": u.sha256, "path": p, "created_at": now}
            for u, p in zip(uploads, paths)
        ])
    return event


def _initial_public(report: dict, d) -> dict:
    category = d.category_by_id[report["category_id"]]
    return visibility.initial_public_fields(report, sensitive=bool(category.get("sensitive")),
                                            area=d.area_by_id.get(report["area_id"]))


def _reviewed(report: dict, d, now: datetime) -> dict:
    """The Portal has reviewed the report: it becomes public, from the public view set so far or the citizen's."""
    changes = {} if visibility.has_public_fields(report) else _initial_public(report, d)
    if report["public_since"] is None:
        changes["public_since"] = now
    return changes


def _redaction(report: dict, p, d) -> dict:
    """The public fields after a `redact`; the citizen's original is left untouched."""
    given = p.model_fields_set - {"media"}
    if not given and not p.media:
        raise InvalidInput("nothing_to_redact", "Change at least one part of the public view.")
    changes = {} if visibility.has_public_fields(report) else _initial_public(report, d)
    for name in ("public_title", "public_description", "public_address"):
        if name in given:
            changes[name] = getattr(p, name) or ("" if name != "public_address" else None)
    if "public_location" in given:
        loc = p.public_location
        changes["public_lat"], changes["public_lon"] = (loc.lat, loc.lon) if loc else (None, None)
    elif p.position is not None:
        lat, lon = report["lat"], report["lon"]
        if p.position == "hidden" or lat is None or lon is None:
            lat = lon = None
        elif p.position == "snapped":
            lat, lon = visibility.snap(lat, lon, d.area_by_id.get(report["area_id"]))
        changes["public_lat"], changes["public_lon"] = lat, lon
    return changes


def _public_payload(r: dict) -> dict:
    """The public view an event set (the original stays in the report and in the submit event)."""
    location = {"lat": r["public_lat"], "lon": r["public_lon"]} if r["public_lat"] is not None else None
    return {"public_title": r["public_title"], "public_description": r["public_description"],
            "public_address": r["public_address"], "public_location": location}


async def _request_photo_redaction(conn: AsyncConnection, report_id: int, items: list[dict], *,
                                   now: datetime) -> None:
    """Photo boxes go to the derivative maker (reports/derivatives.py); the event keeps them too."""
    from phananh.reports.derivatives import request_redaction

    await request_redaction(conn, report_id, items, now=now)


Effect = tuple[dict, dict, int | None, bool]  # column changes, event payload, event agency, event public


async def _effects(conn, action: Action, p, report, principal, d, now) -> Effect:
    """The column changes, event payload, event agency and event visibility of one action."""
    return await _EFFECTS[action](conn, p, report, d, now)


async def _assign(conn, p, report, d, now) -> Effect:
    agency = d.agencies.get(p.agency)
    if agency is None or not agency["active"]:
        raise InvalidInput("unknown_agency", "Unknown agency: {code}.", details={"field": "agency"}, code=p.agency)
    return ({"agency_id": agency["id"], "handler_id": None, "assigned_at": now},
            {"agency": agency["code"], "note": p.note}, agency["id"], True)


async def _merge(conn, p, report, d, now) -> Effect:
    into_id = parse_id(str(p.into)) or id_from_code(str(p.into))
    target = (await conn.execute(select(reports.c.id, reports.c.status).where(reports.c.id == into_id))).first() \
        if into_id else None
    if target is None or target.id == report["id"] or Status(target.status) in TERMINAL_STATES - {Status.closed}:
        raise InvalidInput("invalid_merge_target", "The report to merge into does not exist or cannot take merges.",
                           details={"field": "into"})
    return {"merged_into_id": target.id}, {"into": target.id}, None, True


async def _publish(conn, p, report, d, now) -> Effect:
    changes = {"result": p.public_text} if p.public_text else {}
    changes |= _reviewed(report, d, now)
    return changes, {"public_text": p.public_text or report["result"]}, None, True


async def _make_public(conn, p, report, d, now) -> Effect:
    if report["visibility"] != "public":
        raise Conflict("private_report", "The reporter asked to keep this report private.")
    if report["public_since"] is not None:
        raise Conflict("already_public", "This report is already public.")
    changes = _reviewed(report, d, now)
    return changes, _public_payload({**report, **changes}), None, True


async def _redact(conn, p, report, d, now) -> Effect:
    changes = _redaction(report, p, d)
    payload = _public_payload({**report, **changes})
    if p.media:
        payload["media"] = [m.model_dump() for m in p.media]
    return changes, payload, None, False


async def _log_contact(conn, p, report, d, now) -> Effect:
    changes = {} if report["contacted_at"] else {"contacted_at": now}
    return changes, {"contact": p.contact, "channel": p.channel, "outcome": p.outcome}, None, False


async def _delegate(conn, p, report, d, now) -> Effect:
    user = (await conn.execute(select(users.c.id, users.c.role, users.c.agency_id, users.c.active)
                               .where(users.c.username == p.user))).first()
    if user is None or not user.active or user.agency_id != report["agency_id"] or \
            user.role not in (Role.handler, Role.agency_leader):
        raise InvalidInput("invalid_delegate", "{user} is not a handler of this agency.",
                           details={"field": "user"}, user=p.user)
    return {"handler_id": user.id}, {"user": p.user}, report["agency_id"], True


async def _rate(conn, p, report, d, now) -> Effect:
    if report["rating"] is not None:  # one rating per report: the reporter's first word stands
        raise Conflict("already_rated", "You have already rated this result.")
    return {"rating": p.score, "rating_comment": p.comment}, {"score": p.score, "comment": p.comment}, None, True


async def _reclassify(conn, p, report, d, now) -> Effect:
    return _reclassification(report, p, d)


def _simple(effect):
    """An action whose effect needs neither the database nor the directory."""
    async def run(conn, p, report, d, now) -> Effect:
        return effect(p, report, now)
    return run


# Every action but submit (which `submit_report` writes) has its effect.
_EFFECTS = {
    Action.assign: _assign,
    Action.reject: _simple(lambda p, r, now: ({"reject_reason": p.reason}, {"reason": p.reason}, None, True)),
    Action.merge: _merge,
    Action.return_: _simple(lambda p, r, now: ({"agency_id": None, "handler_id": None}, {"reason": p.reason},
                                               r["agency_id"], True)),
    Action.respond: _simple(lambda p, r, now: ({"public_response": p.message}, {"message": p.message},
                                               r["agency_id"], True)),
    Action.resolve: _simple(lambda p, r, now: ({"result": p.result}, {"result": p.result}, r["agency_id"], True)),
    Action.rework: _simple(lambda p, r, now: ({}, {"reason": p.reason}, r["agency_id"], True)),
    Action.publish: _publish,
    Action.make_public: _make_public,
    Action.redact: _redact,
    Action.rate: _rate,
    Action.reopen: _simple(lambda p, r, now: ({"handler_id": None}, {"reason": p.reason}, r["agency_id"], True)),
    Action.close: _simple(lambda p, r, now: ({}, {}, None, True)),
    Action.flag_urgent: _simple(lambda p, r, now: ({"urgent": True}, {"reason": p.reason} if p.reason else {},
                                                   None, True)),
    Action.unflag_urgent: _simple(lambda p, r, now: ({"urgent": False}, {"reason": p.reason} if p.reason else {},
                                                     None, True)),
    Action.log_contact: _log_contact,
    Action.delegate: _delegate,
    Action.comment: _simple(lambda p, r, now: ({}, {"text": p.text, "public": p.public}, None, p.public)),
    Action.reclassify: _reclassify,
}


def _reclassification(report: dict, p, d) -> tuple[dict, dict, int | None, bool]:
    """`reclassify`: the report moves to another category; statistics move it to its new cell (stats.flows reads
    the row after the event, in the pipeline), the Portal's routing suggestion follows the category, SLA clocks run on unchanged."""
    category = d.categories.get(p.category)
    if category is None or not category["active"]:
        raise InvalidInput("unknown_category", "Unknown category: {code}.", details={"field": "category"},
                           code=p.category)
    if category["id"] == report["category_id"]:
        raise InvalidInput("same_category", "The report is already in this category.", details={"field": "category"})
    before = d.category_by_id[report["category_id"]]
    suggested = d.suggest_agency(category["id"], report["area_id"])
    payload = {"from_category": before["code"], "category": category["code"], "reason": p.reason,
               "suggested_agency": suggested["code"] if suggested else None}
    return {"category_id": category["id"]}, payload, report["agency_id"], True
