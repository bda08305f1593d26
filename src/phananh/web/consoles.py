"""What the Portal and agency consoles share: a report's detail page and posting a lifecycle action.

The forms shown are the actions the workflow allows this viewer now; posting calls the service, which
decides (403/409 come back as a message on the page, 422 as a message next to the field).
"""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from phananh.directory import service as directory
from phananh.errors import ApiError, DomainError, http_status
from phananh.reports import derivatives, queries, service
from phananh.reports.present import local
from phananh.reports.schemas import ACTION_BODIES
from phananh.reports.tables import events as events_table
from phananh.web import labels, lookups
from phananh.web.forms import body_for, errors_from_api, text_fields, uploads_from
from phananh.web.session import Web
from phananh.web.templating import render
from phananh.workflow import ACTIONS, Action, ForbiddenAction, InvalidState, Status, decide

WITH_FILES = {"resolve"}


def allowed_actions(web: Web, status: str, agency_id: int | None) -> set[str]:
    actor = service.actor_for(web.principal, {"agency_id": agency_id, "reporter_user_id": None, "tracking_token": ""})
    out: set[str] = set()
    for name in ACTIONS:
        if name == "submit":
            continue
        try:
            decide(name, Status(status), actor)
        except (ForbiddenAction, InvalidState):
            continue
        out.add(name)
    return out


async def detail_context(web: Web, report_id: int) -> dict:
    app = web.request.app
    now = app.state.clock()
    async with app.state.engine.begin() as conn:
        report = await queries.get_report(conn, report_id, web.principal, now=now)
        events = (await queries.list_events(conn, report_id, web.principal, page_size=1000))["items"]
        d = await directory.load(conn)
        category = d.categories[report["category"]]
        area = d.areas.get(report["area"]) if report["area"] else None
        agency = d.agencies.get(report["agency"]) if report["agency"] else None
        returns = await returns_of(conn, report_id)
        returned_by = frozenset(r["agency_id"] for r in returns if r["agency_id"])
        # An agency that sent the report back is not suggested again (issue 14).
        suggested = d.suggest_agency(category["id"], area["id"] if area else None, skip=returned_by)
        routed = d.suggest_agency(category["id"], area["id"] if area else None)
        allowed = allowed_actions(web, report["status"], agency["id"] if agency else None)
        contact_agency = agency or suggested
        people = await lookups.agency_people(conn, contact_agency["id"]) if contact_agency else []
        duplicates = await lookups.likely_duplicates(conn, report, category["id"]) if "merge" in allowed else []
        # The redaction tool's automatic and drawn boxes per photo (reports.derivatives).
        photo_boxes = await derivatives.statuses(conn, [m["id"] for m in report["media"] if m["kind"] == "photo"]) \
            if "redact" in allowed else {}
    agencies = sorted((a for a in d.agencies.values() if a["active"]), key=lambda a: a["name"])
    # The categories a dispatcher may move the report to (`reclassify`, issue 14).
    categories = sorted((c for c in d.categories.values() if c["active"] and c["id"] != category["id"]),
                        key=lambda c: c["name_en"] if web.lang == "en" else c["name_vi"]) \
        if "reclassify" in allowed else []
    returned = None
    if report["status"] == Status.returned and returns:
        last = returns[-1]
        returned = {"agency": d.agency_by_id.get(last["agency_id"]), "at": local(last["at"]),
                    "reason": (last["payload"] or {}).get("reason") or "",
                    "routed_back": routed is not None and routed["id"] in returned_by}
    return dict(report=report, events=events, category=category, area=area, agency=agency, suggested=suggested,
                returned=returned, contact_logged=contact_logged(events) if report["urgent"] else None,
                contact_agency=contact_agency, people=people, duplicates=duplicates, agencies=agencies,
                categories=categories,
                allowed=allowed, photo_boxes=photo_boxes, category_name=category["name_en"] if web.lang == "en" else category["name_vi"])


async def returns_of(conn: AsyncConnection, report_id: int) -> list[dict]:
    """The report's `return` events, oldest first: which agency sent it back, when, and why."""
    e = events_table.c
    rows = await conn.execute(select(e.agency_id, e.at, e.payload)
                              .where(e.report_id == report_id, e.action == "return").order_by(e.id))
    return [dict(r) for r in rows.mappings()]


def contact_logged(events: list[dict]) -> dict | None:
    """The `log_contact` event recorded since the report was last flagged urgent, if any (the panel then folds)."""
    logged = None
    for ev in events:
        if ev["action"] == "flag_urgent":
            logged = None
        elif ev["action"] == "log_contact":
            logged = ev
    return logged


async def detail_page(web: Web, report_id: int, template: str, *, errors: dict | None = None,
                      values: dict | None = None, status: int = 200, **extra):
    ctx = await detail_context(web, report_id)
    return render(web, template, status=status, errors=errors or {}, values=values or {}, **ctx, **extra)


async def post_action(web: Web, report_id: int, action: str, *, template: str, back: str):
    """Apply `action` from a form; back to the detail page with a message, or the form again with field errors."""
    if action not in ACTION_BODIES:
        raise ApiError(404, "unknown_action", "Unknown action: {action}.", action=action)
    app = web.request.app
    form = await web.request.form()
    fields = text_fields(form)
    fields.pop("action", None)
    try:
        uploads = await uploads_from(form, app.state.settings) if action in WITH_FILES else []
        body = body_for(ACTION_BODIES[Action(action)], fields)
        if action == "redact":
            body = _photo_boxes(body)
        if action == "publish" and body.get("public_text") == fields.get("original_result"):
            body.pop("public_text")  # unchanged: the agency's text is published as it is
        async with app.state.engine.begin() as conn:
            await service.apply_action(conn, report_id=report_id, action=action, body=body, principal=web.principal,
                                       now=app.state.clock(), settings=app.state.settings, uploads=uploads)
    except DomainError as exc:
        if http_status(exc) in (413, 415):
            errors = {f"{action}.files": web._(exc.message, **exc.params)}
        elif http_status(exc) == 422:
            errors = {f"{action}.{k}": v for k, v in errors_from_api(exc, web._).items()}
        else:
            web.flash("error", refusal(web, exc))
            return web.redirect(back)
        return await detail_page(web, report_id, template, errors=errors, values={action: fields}, status=422)
    web.flash("ok", web._("Done: {action}.", action=web._(labels.ACTION[action])))
    return web.redirect(back)



def _photo_boxes(body: dict) -> dict:
    """The redaction tool (static/redact.js) posts the changed photos' boxes as one JSON field; none: left out."""
    raw = body.pop("media", None)
    if raw:
        try:
            items = json.loads(raw)
        except ValueError:
            raise ApiError(422, "invalid_boxes", "The photo boxes could not be read.", details={"field": "media"})
        if items:
            body["media"] = items
    return body


def refusal(web: Web, exc: DomainError) -> str:
    """A refused action in a person's words (the API's message names codes)."""
    if exc.code == "invalid_state":
        status = exc.params.get("state") or ""  # the service's Conflict names the report's state
        return web._("This is no longer possible: the report is now “{status}”. Reload to see what changed.",
                     status=web._(labels.STATUS.get(status, status)))
    if exc.code == "forbidden":
        return web._("Your role may not do this on this report.")
    return web._(exc.message, **exc.params)
