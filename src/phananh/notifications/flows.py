"""Who gets what: notifications caused by events and by the SLA sweep, written to the outbox in the
transaction of their cause.

- assign: the assigned agency's handlers and leaders (and, for an urgent report, its leaders on every channel);
- flag_urgent: the responsible agency's leaders (assigned, else suggested by routing), on every channel;
- return: the Portal's dispatchers;
- respond, publish, reject: the reporter (in their language);
- at risk: whoever must act (dispatchers for distribute/publish, the agency for return/respond), in-app;
- overdue: dispatchers for distribute/publish, the agency's leaders for return/respond.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from phananh.directory import service as directory
from phananh.notifications import messages, outbox
from phananh.notifications.outbox import EVERY_CHANNEL, IN_APP, STAFF_CHANNELS
from phananh.reports.tables import reports
from phananh.workflow import Action, Role

PORTAL_STAGES = ("distribute", "publish")  # the Portal's own steps; return/respond are the agency's


async def on_event(conn: AsyncConnection, *, event: dict, report: dict) -> None:
    build = _BY_ACTION.get(event["action"])  # a system event (workflow.SystemEvent) notifies nobody
    if build is not None:
        await outbox.enqueue(conn, await build(conn, event, report))


def reacts_to(action: str) -> bool:
    return action in _BY_ACTION and _BY_ACTION[Action(action)] is not None


async def _assigned(conn, event, report) -> list[dict]:
    d = await directory.load(conn)
    agency_id = report["agency_id"]
    staff = await outbox.staff(conn, roles=(Role.handler, Role.agency_leader), agency_ids=[agency_id])
    text = messages.assigned(report, agency=d.agency_by_id[agency_id]["name"], note=event["payload"].get("note"))
    out = _rows(staff, STAFF_CHANNELS, "assigned", text, event, report)
    if report.get("urgent"):
        leaders = [s for s in staff if s.role == Role.agency_leader]
        out += _rows(leaders, EVERY_CHANNEL, "urgent", messages.urgent(report, reason=None), event, report)
    return out


async def _flagged_urgent(conn, event, report) -> list[dict]:
    d = await directory.load(conn)
    agency = d.agency_by_id.get(report.get("agency_id")) or d.suggest_agency(report["category_id"], report.get("area_id"))
    if agency is None:
        return []
    leaders = await outbox.staff(conn, roles=(Role.agency_leader,), agency_ids=[agency["id"]])
    text = messages.urgent(report, reason=event["payload"].get("reason"))
    return _rows(leaders, EVERY_CHANNEL, "urgent", text, event, report)


async def _returned(conn, event, report) -> list[dict]:
    d = await directory.load(conn)
    agency = d.agency_by_id.get(event.get("agency_id"))
    dispatchers = await outbox.staff(conn, roles=(Role.dispatcher,))
    text = messages.returned(report, agency=agency["name"] if agency else "", reason=event["payload"].get("reason"))
    return _rows(dispatchers, STAFF_CHANNELS, "returned", text, event, report)


def _to_reporter(kind: str, render: Callable[[dict, dict, str], messages.Text]):
    async def build(conn, event, report) -> list[dict]:
        target = outbox.reporter(report)
        if target is None:
            return []
        who, channels = target
        text = render(report, event["payload"], messages.reporter_language(report))
        return _rows([who], channels, kind, text, event, report)

    return build


def _rows(recipients, channels, kind, text, event, report) -> list[dict]:
    return outbox.rows(recipients, channels=channels, kind=kind, text=text, key=f"event:{event['id']}:{kind}",
                       now=event["at"], report_id=report["id"], event_id=event["id"])


# Every action has its entry: a builder of outbox rows, or None when the action notifies nobody.
_BY_ACTION: dict[Action, Callable[[AsyncConnection, dict, dict], Awaitable[list[dict]]] | None] = {
    Action.submit: None,  # the reporter has the answer and its tracking code; the Portal sees it in its queue
    Action.assign: _assigned,
    Action.flag_urgent: _flagged_urgent,
    Action.return_: _returned,
    Action.respond: _to_reporter("responded", lambda r, p, lang: messages.responded(r, message=p["message"],
                                                                                     lang=lang)),
    Action.publish: _to_reporter("published", lambda r, p, lang: messages.published(r, result=p.get("public_text"),
                                                                                     lang=lang)),
    Action.reject: _to_reporter("rejected", lambda r, p, lang: messages.rejected(r, reason=p.get("reason"), lang=lang)),
    Action.merge: None,
    Action.resolve: None,  # the Portal reviews results from its queue
    Action.rework: None,
    Action.rate: None,
    Action.reopen: None,
    Action.close: None,
    Action.unflag_urgent: None,
    Action.log_contact: None,
    Action.delegate: None,
    Action.comment: None,
    Action.make_public: None,
    Action.redact: None,
    Action.reclassify: None,
}


async def on_sla_flags(conn: AsyncConnection, *, kind: str, clocks: list[dict], now: datetime) -> None:
    """Notify the flagged clocks (`kind` at_risk or overdue); `clocks`: id, report_id, stage, due_at."""
    if not clocks:
        return
    report_rows = (
        await conn.execute(select(reports.c.id, reports.c.created_at, reports.c.title, reports.c.description,
                                  reports.c.agency_id, reports.c.address)
                           .where(reports.c.id.in_(sorted({c["report_id"] for c in clocks}))))
    ).mappings().all()
    by_id = {r["id"]: dict(r) for r in report_rows}
    agency_roles = (Role.handler, Role.agency_leader) if kind == "at_risk" else (Role.agency_leader,)
    channels = (IN_APP,) if kind == "at_risk" else STAFF_CHANNELS
    dispatchers = await outbox.staff(conn, roles=(Role.dispatcher,)) \
        if any(c["stage"] in PORTAL_STAGES for c in clocks) else []
    agency_ids = {by_id[c["report_id"]]["agency_id"] for c in clocks if c["stage"] not in PORTAL_STAGES}
    agency_staff = await outbox.staff(conn, roles=agency_roles, agency_ids=agency_ids - {None}) if agency_ids else []
    render = messages.at_risk if kind == "at_risk" else messages.overdue
    new_rows = []
    for c in clocks:
        report = by_id[c["report_id"]]
        if c["stage"] in PORTAL_STAGES:
            recipients = dispatchers
        else:
            recipients = [s for s in agency_staff if s.agency_id == report["agency_id"]]
        # The due instant is part of the key: a deadline moved by a calendar change is a new change.
        key = f"sla:{kind}:{c['id']}:{int(c['due_at'].timestamp())}"
        new_rows += outbox.rows(recipients, channels=channels, kind=kind, key=key, now=now, report_id=report["id"],
                                text=render(report, stage=c["stage"], due=c["due_at"]))
    await outbox.enqueue(conn, new_rows)
