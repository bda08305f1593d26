"""Admin pages: categories, agencies, areas, staff accounts and roles, routing rules (calendar and API keys in
`admin_more.py`). Each form calls a small service function of its domain; refusals come back next to the field."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query

from phananh.auth import lockout
from phananh.auth import manage as auth_manage
from phananh.db import utcnow
from phananh.directory import manage as directory_manage
from phananh.directory import service as directory
from phananh.errors import ApiError, DomainError
from phananh.reports.search import fold
from phananh.security.limits import client_ip
from phananh.web.forms import errors_from_api, text_fields
from phananh.web.session import FormWeb, PageWeb, Web, require_staff
from phananh.web.templating import render
from phananh.workflow import Role

router = APIRouter(prefix="/admin", include_in_schema=False)
PAGE_SIZE = 50  # rows per admin list page


@dataclass(frozen=True)
class Field:
    name: str
    label: str  # English msgid
    kind: str = "text"  # text | textarea | select | checkbox | number | password
    choices: str | None = None  # a key of the choices dict
    required: bool = False


ENTITIES: dict[str, dict] = {
    "linh-vuc": {"title": "Categories", "key": "code", "fields": [
        Field("code", "Code", required=True), Field("name_vi", "Name (Vietnamese)", required=True),
        Field("name_en", "Name (English)", required=True), Field("hint_vi", "Hint (Vietnamese)", "textarea"),
        Field("hint_en", "Hint (English)", "textarea"), Field("group_code", "Group"),
        Field("sensitive", "Sensitive: public position shown only at the commune", "checkbox"),
        Field("active", "Active", "checkbox")],
        "columns": ["code", "name_vi", "name_en", "group_code", "sensitive", "active"]},
    "co-quan": {"title": "Agencies", "key": "code", "fields": [
        Field("code", "Code", required=True), Field("name", "Name", required=True),
        Field("kind", "Kind", "select", "agency_kinds", True), Field("parent", "Parent agency", "select", "agencies"),
        Field("area", "Area", "select", "areas"), Field("phone", "Phone"), Field("email", "Email"),
        Field("active", "Active", "checkbox")],
        "columns": ["code", "name", "kind", "phone", "active"]},
    "dia-ban": {"title": "Areas", "key": "code", "fields": [
        Field("code", "Code", required=True), Field("name", "Name", required=True),
        Field("kind", "Kind", "select", "area_kinds", True), Field("lat", "Latitude", "number"),
        Field("lon", "Longitude", "number")],
        "columns": ["code", "name", "kind", "lat", "lon"]},
    "nguoi-dung": {"title": "Users and roles", "key": "username", "fields": [
        Field("username", "Username", required=True), Field("full_name", "Full name"),
        Field("role", "Role", "select", "roles", True), Field("agency", "Agency", "select", "agencies"),
        Field("area", "Area", "select", "areas"), Field("phone", "Phone"), Field("email", "Email"),
        Field("active", "Active", "checkbox"), Field("password", "New password", "password")],
        "columns": ["username", "full_name", "role", "agency", "active"]},
}


async def _rows_and_choices(web: Web, entity: str) -> tuple[list[dict], dict]:
    async with web.request.app.state.engine.begin() as conn:
        d = await directory.load(conn)
        staff = await auth_manage.list_staff(conn) if entity == "nguoi-dung" else []
    agency_code = {a["id"]: a["code"] for a in d.agency_by_id.values()}
    area_code = {a["id"]: a["code"] for a in d.area_by_id.values()}
    rows = {
        "linh-vuc": lambda: sorted(d.categories.values(), key=lambda c: c["id"]),
        "co-quan": lambda: [{**a, "parent": agency_code.get(a["parent_id"]), "area": area_code.get(a["area_id"])}
                            for a in sorted(d.agencies.values(), key=lambda a: a["id"])],
        "dia-ban": lambda: sorted(d.areas.values(), key=lambda a: a["name"]),
        "nguoi-dung": lambda: [{**u, "agency": agency_code.get(u["agency_id"]), "area": area_code.get(u["area_id"])}
                               for u in staff],
    }[entity]()
    choices = {
        "agencies": sorted(((a["code"], a["name"]) for a in d.agencies.values()), key=lambda c: c[1]),
        "areas": sorted(((a["code"], a["name"]) for a in d.areas.values()), key=lambda c: c[1]),
        "agency_kinds": [(k, k) for k in directory_manage.AGENCY_KINDS],
        "area_kinds": [(k, k) for k in directory_manage.AREA_KINDS],
        "roles": [(r.value, web._(_ROLE_LABELS[r])) for r in auth_manage.STAFF_ROLE_CHOICES],
    }
    return rows, choices


# Pages built on other domains' admin APIs.
EXTRA_LINKS = [
    {"href": "/admin/lich", "title": "Working calendar", "note": "days off and make-up working days"},
    {"href": "/admin/khoa-api", "title": "Partner API keys", "note": "Open311 and partner access"},
    {"href": "/admin/nhat-ky", "title": "Tamper-evident record",
     "note": "the sealed chain of events, its head and checks"},
]

_ROLE_LABELS = {Role.dispatcher: "Portal dispatcher", Role.handler: "Agency handler",
                Role.agency_leader: "Agency leader", Role.supervisor: "Leader (statistics)",
                Role.admin: "Administrator"}


@router.get("/phan-luong")
async def routing_page(web: PageWeb):
    require_staff(web, Role.admin)
    return await _routing(web, values={}, errors={})


async def _routing(web: Web, *, values: dict, errors: dict, status: int = 200):
    async with web.request.app.state.engine.begin() as conn:
        d = await directory.load(conn)
        rules = await directory_manage.list_routing_rules(conn)
    en = web.lang == "en"
    category_name = {c["id"]: c["name_en"] if en else c["name_vi"] for c in d.category_by_id.values()}
    rows = [{"id": r["id"], "category": category_name.get(r["category_id"], "?"),
             "area": d.area_by_id[r["area_id"]]["name"] if r["area_id"] else None,
             "agency": d.agency_by_id[r["agency_id"]]["name"]} for r in rules]
    rows.sort(key=lambda r: (r["category"], r["area"] or ""))
    choices = {
        "categories": [(c["code"], category_name[c["id"]]) for c in sorted(d.categories.values(), key=lambda c: c["id"])],
        "areas": sorted(((a["code"], a["name"]) for a in d.areas.values()), key=lambda c: c[1]),
        "agencies": sorted(((a["code"], a["name"]) for a in d.agencies.values() if a["active"]), key=lambda c: c[1]),
    }
    return render(web, "admin/routing.html", status=status, rows=rows, choices=choices, values=values, errors=errors)


@router.post("/phan-luong")
async def routing_save(web: FormWeb):
    require_staff(web, Role.admin)
    f = text_fields(await web.request.form())
    try:
        async with web.request.app.state.engine.begin() as conn:
            if f.get("delete", "").isdigit():
                await directory_manage.delete_routing_rule(conn, int(f["delete"]))
            else:
                await directory_manage.set_routing_rule(conn, category=f.get("category", ""),
                                                        area=f.get("area") or None, agency=f.get("agency", ""))
    except DomainError as exc:
        return await _routing(web, values=f, errors=errors_from_api(exc, web._), status=422)
    web.flash("ok", web._("Saved."))
    return web.redirect("/admin/phan-luong")


@router.get("")
async def overview(web: PageWeb):
    require_staff(web, Role.admin)
    return render(web, "admin/overview.html", entities=ENTITIES, extra_links=EXTRA_LINKS)


def _search_page(rows: list[dict], spec: dict, q: str, page: int) -> tuple[list[dict], dict]:
    """The rows whose shown columns (or name, e-mail, phone) match `q` regardless of case and diacritics, one page."""
    words = fold(q).split()
    if words:
        keys = [*spec["columns"], "full_name", "name", "email", "phone"]
        rows = [r for r in rows if all(w in fold(" ".join(str(r.get(k) or "") for k in keys)) for w in words)]
    pages = max(1, math.ceil(len(rows) / PAGE_SIZE))
    page = min(max(page, 1), pages)
    return rows[(page - 1) * PAGE_SIZE:page * PAGE_SIZE], {"q": q, "page": page, "pages": pages, "total": len(rows)}


async def _entity_page(web: Web, entity: str, *, values: dict | None, errors: dict, editing: bool, status: int = 200,
                       q: str = "", page: int = 1):
    spec = ENTITIES[entity]
    rows, choices = await _rows_and_choices(web, entity)
    rows, paging = _search_page(rows, spec, q, page)
    locked = []
    if entity == "nguoi-dung":  # accounts locked by failed sign-ins, each with an unlock button
        async with web.request.app.state.engine.connect() as conn:
            locked = await lockout.locked_accounts(conn, utcnow())
    return render(web, "admin/entity.html", status=status, entity=entity, spec=spec, rows=rows, choices=choices,
                  values=values or {"active": True}, errors=errors, editing=editing, locked=locked, paging=paging)


@router.post("/nguoi-dung/mo-khoa")
async def unlock_user(web: FormWeb):
    """Lift a staff account's sign-in lock (recorded with the admin's username)."""
    admin = require_staff(web, Role.admin)
    username = text_fields(await web.request.form()).get("username", "")
    try:
        async with web.request.app.state.engine.begin() as conn:
            await lockout.unlock(conn, username, actor=admin.signed_in_username, now=utcnow(), ip=client_ip(web.request))
    except DomainError as exc:
        web.flash("error", web._(exc.message, **exc.params))
        return web.redirect("/admin/nguoi-dung")
    web.flash("ok", web._("Account {username} unlocked.", username=username))
    return web.redirect("/admin/nguoi-dung")


@router.get("/{entity}")
async def entity_page(web: PageWeb, entity: str, ma: str | None = None,
                      q: Annotated[str, Query(max_length=100)] = "", trang: Annotated[int, Query(ge=1, le=100_000)] = 1):
    require_staff(web, Role.admin)
    if entity not in ENTITIES:
        raise ApiError(404, "not_found", "Not found: {what}", what=entity)
    values = None
    if ma:
        rows, _c = await _rows_and_choices(web, entity)
        key = ENTITIES[entity]["key"]
        values = next((dict(r) for r in rows if r[key] == ma), None)
    return await _entity_page(web, entity, values=values, errors={}, editing=values is not None, q=q, page=trang)


def _float(value: str, field: str) -> float | None:
    if not value:
        return None
    try:
        return float(value.replace(",", "."))
    except ValueError:
        raise ApiError(422, "invalid_number", "Enter a number.", details={"field": field})


async def _save(conn, entity: str, f: dict, new: bool) -> None:
    active = f.get("active") in ("1", "on", "true")
    if entity == "linh-vuc":
        await directory_manage.save_category(conn, code=f.get("code", ""), name_vi=f.get("name_vi", ""),
                                             name_en=f.get("name_en", ""), hint_vi=f.get("hint_vi", ""),
                                             hint_en=f.get("hint_en", ""), group_code=f.get("group_code", ""),
                                             active=active, sensitive=f.get("sensitive") in ("1", "on", "true"),
                                             new=new)
    elif entity == "co-quan":
        await directory_manage.save_agency(conn, code=f.get("code", ""), name=f.get("name", ""),
                                           kind=f.get("kind", ""), parent=f.get("parent") or None,
                                           area=f.get("area") or None, phone=f.get("phone"), email=f.get("email"),
                                           active=active, new=new)
    elif entity == "dia-ban":
        await directory_manage.save_area(conn, code=f.get("code", ""), name=f.get("name", ""), kind=f.get("kind", ""),
                                         lat=_float(f.get("lat", ""), "lat"), lon=_float(f.get("lon", ""), "lon"),
                                         new=new)
    else:
        if not f.get("username"):
            raise ApiError(422, "required", "Fill in this field.", details={"field": "username"})
        d = await directory.load(conn)
        agency, area = d.agencies.get(f.get("agency", "")), d.areas.get(f.get("area", ""))
        await auth_manage.save_staff(conn, username=f["username"], role=f.get("role", ""),
                                     full_name=f.get("full_name", ""), agency_id=agency["id"] if agency else None,
                                     area_id=area["id"] if area else None, phone=f.get("phone") or None,
                                     email=f.get("email") or None, active=active,
                                     password=f.get("password") or None, new=new)


@router.post("/{entity}")
async def save(web: FormWeb, entity: str):
    require_staff(web, Role.admin)
    if entity not in ENTITIES:
        raise ApiError(404, "not_found", "Not found: {what}", what=entity)
    fields = text_fields(await web.request.form())
    new = fields.get("mode") != "edit"
    try:
        async with web.request.app.state.engine.begin() as conn:
            await _save(conn, entity, fields, new)
    except DomainError as exc:
        fields.pop("password", None)
        values: dict[str, str | bool] = {**fields, "active": fields.get("active") in ("1", "on", "true")}
        return await _entity_page(web, entity, values=values, errors=errors_from_api(exc, web._), editing=not new,
                                  status=422)
    web.flash("ok", web._("Saved."))
    return web.redirect(f"/admin/{entity}")
