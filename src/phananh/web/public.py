"""The public site: a map and a list of published reports with their results, search, a report's page.

Everything here is read as the anonymous public (`ANONYMOUS`), so the service's scope keeps personal data out.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from phananh.auth.principal import ANONYMOUS
from phananh.directory import service as directory
from phananh.errors import DomainError
from phananh.reports import queries
from phananh.web import labels
from phananh.web.session import PageWeb
from phananh.web.stepper import flow_for
from phananh.web.templating import render, shorten

router = APIRouter(prefix="/cong-khai", include_in_schema=False)
PAGE_SIZE = 30
# The public map's legend: the colour of each status tone (labels.STATUS_TONE), in plain words.
MAP_LEGEND = (("info", "Being handled"), ("warn", "Result awaiting review"), ("ok", "Result published"),
              ("muted", "Closed"))


async def _names(conn, lang: str) -> dict:
    d = await directory.load(conn)
    return {
        "category_names": {c["code"]: c["name_en"] if lang == "en" else c["name_vi"] for c in d.categories.values()},
        "area_names": {a["code"]: a["name"] for a in d.areas.values()},
        "agency_names": {a["code"]: a["name"] for a in d.agencies.values()},
        "categories": [(c["code"], c["name_en"] if lang == "en" else c["name_vi"])
                       for c in sorted(d.categories.values(), key=lambda c: c["id"]) if c["active"]],
    }


@router.get("")
async def published(web: PageWeb, q: Annotated[str | None, Query(max_length=200)] = None,
                    category: Annotated[str | None, Query(max_length=64)] = None,
                    page: Annotated[int, Query(ge=1, le=10_000)] = 1):
    now = web.request.app.state.clock()
    f = queries.ReportFilter(q=q or None, category=category or None, sort="-updated_at", page=page,
                             page_size=PAGE_SIZE)
    async with web.request.app.state.engine.begin() as conn:
        names = await _names(conn, web.lang)
        try:
            result = await queries.list_reports(conn, ANONYMOUS, f, now=now)
        except DomainError:
            result = {"items": [], "total": 0, "page": 1, "page_size": PAGE_SIZE}
    points = [{"code": r["code"], "lat": r["location"]["lat"], "lon": r["location"]["lon"],
               "title": shorten(r["title"] or r["description"], 60), "status": r["status"],
               "status_label": web._(labels.STATUS.get(r["status"], r["status"])),
               "tone": labels.STATUS_TONE.get(r["status"], "info")} for r in result["items"] if r["location"]]
    legend = [(tone, web._(label)) for tone, label in MAP_LEGEND]
    return render(web, "public/list.html", result=result, points=points, legend=legend, q=q or "",
                  category=category or "", **names)


@router.get("/{code}")
async def public_report(web: PageWeb, code: str):
    now = web.request.app.state.clock()
    async with web.request.app.state.engine.begin() as conn:
        names = await _names(conn, web.lang)
        try:
            report_id = await queries.resolve_report_ref(conn, code)
            report = await queries.get_report(conn, report_id, ANONYMOUS, now=now)
            events = (await queries.list_events(conn, report_id, ANONYMOUS))["items"]
        except DomainError:
            return render(web, "public/not_found.html", status=404)
    return render(web, "public/report.html", report=report, events=events, flow=flow_for(web, report), **names)
