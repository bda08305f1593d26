"""The agency console (handlers, agency leaders): inbox with deadlines, a report's actions, the agency's figures."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from phananh.api.ids import BigId
from phananh.directory import service as directory
from phananh.errors import ApiError
from phananh.reports import queries
from phananh.web import consoles, lookups
from phananh.web.session import FormWeb, PageWeb, require_staff
from phananh.web.templating import render
from phananh.workflow import Role

router = APIRouter(prefix="/agency", include_in_schema=False)
ROLES = (Role.handler, Role.agency_leader)
INBOX_STATES = {"open": ["assigned", "in_progress"], "resolved": ["resolved"], "done": ["published", "closed"]}


@router.get("")
async def inbox(web: PageWeb, view: Annotated[str, Query(pattern="^(open|resolved|done)$")] = "open",
                q: Annotated[str | None, Query(max_length=200)] = None):
    p = require_staff(web, *ROLES)
    if p.agency_id is None:  # agency roles are given one (auth.manage.check_staff_fields)
        raise ApiError(403, "forbidden", "Your role may not do this.")
    now = web.request.app.state.clock()
    async with web.request.app.state.engine.begin() as conn:
        d = await directory.load(conn)
        agency = d.agency_by_id.get(p.agency_id)
        # The open view is what is assigned now, not what went through the agency once.
        f = queries.ReportFilter(status=INBOX_STATES[view], agency=agency["code"] if view == "open" and agency else None,
                                 q=q or None, sort="queue" if view == "open" else "-updated_at", page_size=50)
        result = await queries.list_reports(conn, p, f, now=now)
        figures = await lookups.agency_figures(conn, p.agency_id, now)
    names = {c["code"]: c["name_en"] if web.lang == "en" else c["name_vi"] for c in d.categories.values()}
    return render(web, "agency/inbox.html", result=result, figures=figures, agency=agency, view=view, q=q or "",
                  category_names=names, area_names={a["code"]: a["name"] for a in d.areas.values()})


@router.get("/phan-anh/{report_id}")
async def detail(web: PageWeb, report_id: BigId):
    require_staff(web, *ROLES)
    return await consoles.detail_page(web, report_id, "agency/detail.html")


@router.post("/phan-anh/{report_id}/{action}")
async def act(web: FormWeb, report_id: BigId, action: str):
    require_staff(web, *ROLES)
    return await consoles.post_action(web, report_id, action, template="agency/detail.html",
                                      back=f"/agency/phan-anh/{report_id}")
