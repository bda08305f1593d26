"""The Portal console (dispatchers): the queue, a report's detail and actions, reports entered for callers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from phananh.api.ids import BigId
from phananh.directory import service as directory
from phananh.errors import DomainError
from phananh.reports import queries, service
from phananh.reports.schemas import ReportSubmit
from phananh.web import consoles
from phananh.web.citizen import report_body_from_form
from phananh.web.forms import errors_from_api, submit_errors, text_fields
from phananh.web.session import FormWeb, PageWeb, Web, require_staff
from phananh.web.templating import render, shorten
from phananh.workflow import OPEN_STATES, Role, Status

router = APIRouter(prefix="/portal", include_in_schema=False)
VIEWERS = (Role.dispatcher, Role.admin, Role.supervisor)
PORTAL_STATES = "received,returned,resolved"  # what waits for the Portal
OPEN = ",".join(s.value for s in Status if s in OPEN_STATES)
PAGE_SIZE = 25
CALLER_CHANNELS = ("hotline", "walk_in", "email", "zalo", "facebook", "other")
Text = Annotated[str | None, Query(max_length=200)]


async def _directory_choices(web: Web) -> dict:
    async with web.request.app.state.engine.connect() as conn:
        d = await directory.load(conn)
    en = web.lang == "en"
    return {
        "categories": [{"code": c["code"], "name": c["name_en"] if en else c["name_vi"]}
                       for c in sorted(d.categories.values(), key=lambda c: c["id"]) if c["active"]],
        "areas": sorted(({"code": a["code"], "name": a["name"]} for a in d.areas.values()), key=lambda a: a["name"]),
        "agency_choices": sorted(({"code": a["code"], "name": a["name"]} for a in d.agencies.values() if a["active"]),
                                 key=lambda a: a["name"]),
        "category_names": {c["code"]: c["name_en"] if en else c["name_vi"] for c in d.categories.values()},
        "area_names": {a["code"]: a["name"] for a in d.areas.values()},
        "agency_names": {a["code"]: a["name"] for a in d.agencies.values()},
    }


@router.get("")
async def queue(web: PageWeb, status: Text = None, category: Text = None, area: Text = None, agency: Text = None,
                q: Text = None, urgent: bool = False, overdue: bool = False,
                page: Annotated[int, Query(ge=1, le=10_000)] = 1):
    require_staff(web, *VIEWERS)
    status = status or "portal"
    states = {"portal": PORTAL_STATES, "open": OPEN, "all": ""}.get(status, status)
    f = queries.ReportFilter(
        status=[s for s in states.split(",") if s] or None, category=category or None, area=area or None,
        agency=agency or None, q=q or None, urgent=True if urgent else None, overdue=True if overdue else None,
        sort="queue", page=page, page_size=PAGE_SIZE)
    error = None
    try:
        async with web.request.app.state.engine.begin() as conn:
            result = await queries.list_reports(conn, web.principal, f, now=web.request.app.state.clock())
    except DomainError as exc:
        error = web._(exc.message, **exc.params)
        result = {"items": [], "total": 0, "page": 1, "page_size": PAGE_SIZE}
    filters = dict(status=status, category=category or "", area=area or "", agency=agency or "", q=q or "",
                   urgent=urgent, overdue=overdue)
    template = "portal/_queue_rows.html" if web.request.headers.get("hx-request") else "portal/queue.html"
    return render(web, template, result=result, filters=filters, filter_error=error, points=queue_points(result),
                  statuses=[s.value for s in Status], **await _directory_choices(web))


def queue_points(result: dict) -> list[dict]:
    """The map view's pins: the reports of this page that have a position."""
    out = []
    for r in result["items"]:
        if r["location"]:
            d = r["deadlines"][0] if r["deadlines"] else None
            out.append({"id": r["id"], "code": r["code"], "title": shorten(r["title"] or r["description"], 80),
                        "lat": r["location"]["lat"], "lon": r["location"]["lon"], "urgent": r["urgent"],
                        "overdue": bool(d and d["overdue"])})
    return out


@router.get("/moi")
async def new_for_caller(web: PageWeb):
    require_staff(web, Role.dispatcher)
    return render(web, "portal/new.html", values={"channel": "hotline"}, errors={}, channels=CALLER_CHANNELS,
                  **await _directory_choices(web))


@router.post("/moi")
async def submit_for_caller(web: FormWeb):
    """A report taken on the phone (or in person...): the channel is recorded, the caller's identity kept."""
    principal = require_staff(web, Role.dispatcher)
    fields = text_fields(await web.request.form())
    body = report_body_from_form(fields, fields["language"] if fields.get("language") in ("vi", "en") else "vi")
    body["channel"] = fields.get("channel") if fields.get("channel") in CALLER_CHANNELS else "hotline"
    data, errors = submit_errors(ReportSubmit, body, web._)
    if data is not None:  # valid: no errors
        try:
            async with web.request.app.state.engine.begin() as conn:
                submitted = await service.submit_report(
                    conn, data=data, uploads=[], principal=principal, settings=web.request.app.state.settings,
                    now=web.request.app.state.clock(), channel=body["channel"])
        except DomainError as exc:
            errors = errors_from_api(exc, web._)
        else:
            web.flash("ok", web._("The report was entered."))
            return web.redirect(f"/portal/phan-anh/{submitted.report_id}")
    return render(web, "portal/new.html", status=422, values=fields, errors=errors, channels=CALLER_CHANNELS,
                  **await _directory_choices(web))


@router.get("/phan-anh/{report_id}")
async def detail(web: PageWeb, report_id: BigId):
    require_staff(web, *VIEWERS)
    return await consoles.detail_page(web, report_id, "portal/detail.html")


@router.post("/phan-anh/{report_id}/{action}")
async def act(web: FormWeb, report_id: BigId, action: str):
    require_staff(web, *VIEWERS)
    return await consoles.post_action(web, report_id, action, template="portal/detail.html",
                                      back=f"/portal/phan-anh/{report_id}")
