"""Admin pages built on other domains' admin services: the working calendar (`phananh.sla.admin`, also behind
/api/v1/admin/calendar) and partner API keys (`phananh.open311.keys`, also behind /api/v1/admin/api-keys)."""

from __future__ import annotations

import calendar
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from phananh.api.ids import SmallId
from phananh.errors import DomainError
from phananh.open311 import keys
from phananh.sla import admin as calendar_admin
from phananh.sla import service as sla_service
from phananh.web.forms import errors_from_api, text_fields
from phananh.web.session import FormWeb, PageWeb, Web, require_staff
from phananh.web.templating import render
from phananh.workflow import Role

router = APIRouter(prefix="/admin", include_in_schema=False)
DAY_KINDS = {"day_off": "Day off", "working_day": "Working day"}
# Where a calendar row came from (English msgids): the official calendar, or an administrator's declaration.
DAY_SOURCES = {"holidays": "Source: regulation", "admin": "Source: declared by an administrator"}
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def month_grid(year: int, days: list[dict]) -> list[dict]:
    """Twelve months of weeks (Monday first) whose cells say which dates are days off and working days."""
    declared = {d["day"]: d for d in days}
    months = []
    for month in range(1, 13):
        weeks = []
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            cells = []
            for day in week:
                row = declared.get(day) if day.month == month else None
                weekend = day.weekday() >= 5
                kind = row["kind"] if row else ("weekend" if weekend else "workday")
                cells.append({"day": day, "in_month": day.month == month, "kind": kind, "row": row})
            weeks.append(cells)
        months.append({"month": month, "weeks": weeks})
    return months


async def _calendar(web: Web, year: int, *, values: dict, errors: dict, status: int = 200):
    async with web.request.app.state.engine.connect() as conn:
        days = await calendar_admin.list_days(conn, year=year)
    return render(web, "admin/calendar.html", status=status, year=year, days=days, kinds=DAY_KINDS,
                  sources=DAY_SOURCES, weekdays=WEEKDAYS, months=month_grid(year, days), values=values, errors=errors)


@router.get("/lich")
async def calendar_page(web: PageWeb, nam: Annotated[int | None, Query(ge=1900, le=2200)] = None):
    require_staff(web, Role.admin)
    year = nam or web.request.app.state.clock().year
    return await _calendar(web, year, values={"kind": "day_off"}, errors={})


@router.post("/lich")
async def calendar_save(web: FormWeb):
    p = require_staff(web, Role.admin)
    f = text_fields(await web.request.form())
    now = web.request.app.state.clock()
    errors: dict[str, str] = {}
    try:
        day = date.fromisoformat(f.get("day", ""))
    except ValueError:
        day, errors["day"] = None, web._("Enter a date.")
    remove = f.get("remove") == "1"
    if not remove and f.get("kind") not in DAY_KINDS:
        errors["kind"] = web._("Choose a kind.")
    if not remove and not f.get("name"):
        errors["name"] = web._("Fill in this field.")
    if day is not None and not errors:
        try:
            async with web.request.app.state.engine.begin() as conn:
                if remove:
                    await calendar_admin.remove_day(conn, day=day, by=p.signed_in_username, now=now)
                else:
                    await calendar_admin.put_day(conn, day=day, kind=f["kind"], name=f["name"],
                                                 note=f.get("note") or None, by=p.signed_in_username, now=now)
            sla_service.invalidate()
        except DomainError as exc:
            errors = errors_from_api(exc, web._)
    if errors or day is None:
        year = day.year if day else now.year
        return await _calendar(web, year, values=f, errors=errors, status=422)
    web.flash("ok", web._("Saved. Running deadlines were recomputed."))
    return web.redirect(f"/admin/lich?nam={day.year}")


async def _keys(web: Web, *, values: dict, errors: dict, new_key: str | None = None, status: int = 200):
    async with web.request.app.state.engine.connect() as conn:
        items = await keys.list_keys(conn)
    return render(web, "admin/api_keys.html", status=status, items=items, values=values, errors=errors,
                  new_key=new_key)


@router.get("/khoa-api")
async def keys_page(web: PageWeb):
    require_staff(web, Role.admin)
    return await _keys(web, values={}, errors={})


@router.post("/khoa-api")
async def keys_create(web: FormWeb):
    p = require_staff(web, Role.admin)
    f = text_fields(await web.request.form())
    try:
        async with web.request.app.state.engine.begin() as conn:
            view, key = await keys.create_key(conn, partner=f.get("partner", ""), note=f.get("note") or None,
                                              created_by=p.username, now=web.request.app.state.clock())
    except DomainError as exc:
        return await _keys(web, values=f, errors=errors_from_api(exc, web._), status=422)
    # Shown on this page only: the key is stored hashed and never shown again (no redirect, no cookie).
    return await _keys(web, values={}, errors={}, new_key=key)


@router.post("/khoa-api/{key_id:int}/thu-hoi")
async def keys_revoke(web: FormWeb, key_id: SmallId):
    require_staff(web, Role.admin)
    try:
        async with web.request.app.state.engine.begin() as conn:
            await keys.revoke_key(conn, key_id=key_id, now=web.request.app.state.clock())
    except DomainError as exc:
        web.flash("error", web._(exc.message, **exc.params))
    else:
        web.flash("ok", web._("The key is revoked."))
    return web.redirect("/admin/khoa-api")
