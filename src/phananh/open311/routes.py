"""Open311 GeoReport v2 under /open311/v2/: thin routes, errors in the spec's own shape.

Liberal in what it accepts (clients differ): the format suffix may be left out (XML then), `api_key` may come
in the query string, the body or an X-Api-Key header, a blank `jurisdiction_id` is no jurisdiction, and a
POST may be form-encoded, multipart (with `media` files) or JSON.
"""

from __future__ import annotations

import functools
import json
from datetime import datetime, time
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile

from phananh.api.deps import AppSettings, Engine, Now
from phananh.db import reading
from phananh.directory import service as directory
from phananh.errors import DomainError, http_status
from phananh.i18n import current_language
from phananh.i18n import gettext as _
from phananh.open311 import attributes as attrs
from phananh.open311 import keys, queries
from phananh.open311.formats import FORMATS, Open311Error, error_response, render
from phananh.open311.present import service_name
from phananh.open311.submit import post_request
from phananh.provinces.site import Site
from phananh.provinces.site import site as province_site
from phananh.reports import media as media_store
from phananh.security import limits
from phananh.server.forms import read_form
from phananh.sla.calendar import TZ

router = APIRouter(prefix="/open311/v2", tags=["open311"], include_in_schema=False)
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"


def _format(fmt: str | None) -> str:
    fmt = (fmt or "xml").lower()
    if fmt not in FORMATS:
        raise Open311Error(400, "Unknown format “{fmt}”: use .xml or .json.", fmt=fmt)
    return fmt


def georeport(handler):
    """Turn every failure of `handler` into the spec's error document, in the format asked for."""

    @functools.wraps(handler)
    async def wrapper(*args, **kwargs) -> Any:
        request: Request = kwargs["request"]
        fmt = (kwargs.get("fmt") or "xml").lower()
        try:
            kwargs["fmt"] = _format(fmt)
            await _check_jurisdiction(request, await _fields(request) if request.method == "POST" else None)
            return await handler(*args, **kwargs)
        except Open311Error as exc:
            return error_response(fmt, exc.status, _(exc.message, **exc.params))
        except DomainError as exc:
            status = http_status(exc) if http_status(exc) in (403, 404, 429) else 400
            response = error_response(fmt, status, _(exc.message, **exc.params), code=exc.code)
            response.headers.update(exc.headers or {})  # a 429's Retry-After
            return response

    return wrapper


async def _site(request: Request) -> Site:
    """The jurisdiction and contacts: the loaded province pack's, unless PHANANH_OPEN311_* settings override."""
    async with reading(request.app.state.engine) as conn:
        d = await directory.load(conn)
    return province_site(request.app.state.settings, d.province)


async def _check_jurisdiction(request: Request, form: dict[str, list[str]] | None) -> None:
    given = (request.query_params.get("jurisdiction_id") or "").strip()
    if not given and form:
        given = next((v.strip() for v in form.get("jurisdiction_id", []) if v.strip()), "")
    if not given:
        return
    s = request.app.state.settings
    # the public address's host name, never the request's Host header
    known = {(await _site(request)).open311_jurisdiction_id.lower(),
             *(a.lower() for a in s.open311_jurisdiction_aliases), urlsplit(s.base_url).hostname or ""}
    if given.lower() not in known:
        raise Open311Error(404, "jurisdiction_id {id} was not found.", id=given)


def _lang() -> str:
    return current_language.get()


def _base_url(request: Request) -> str:
    """PHANANH_PUBLIC_URL (never the Host header, which any client can set)."""
    return request.app.state.settings.base_url


# ---------------------------------------------------------------- discovery and services


@router.get("/discovery")
@router.get("/discovery.{fmt}")
@georeport
async def discovery(request: Request, fmt: str = "xml"):
    s = request.app.state.settings
    site = await _site(request)
    return render(fmt, "discovery", {
        "changeset": s.open311_changeset,
        "contact": site.open311_contact,
        "key_service": site.open311_key_service,
        "endpoints": [{
            "specification": SPECIFICATION,
            "url": f"{_base_url(request)}/open311/v2",
            "changeset": s.open311_changeset,
            "type": s.open311_endpoint_type,
            "formats": ["text/xml", "application/json"],
        }],
    })


@router.get("/services")
@router.get("/services.{fmt}")
@georeport
async def services(request: Request, engine: Engine, fmt: str = "xml"):
    lang = _lang()
    async with engine.connect() as conn:
        d = await directory.load(conn)
        asking = await attrs.categories_with_attributes(conn)
    items = []
    for c in sorted(d.categories.values(), key=lambda c: (c["group_code"], c["id"])):
        if not c["active"] or c["out_of_scope"]:
            continue
        group = d.province.get("groups", {}).get(c["group_code"])  # names from the province pack
        items.append({
            "service_code": c["code"],
            "service_name": service_name(c, lang),
            "description": c["hint_en" if lang == "en" else "hint_vi"],
            "metadata": c["id"] in asking,
            "type": "realtime",
            "keywords": ", ".join(c["keywords"] or []),
            "group": group["en" if lang == "en" else "vi"] if group else c["group_code"],
        })
    return render(fmt, "services", items)


@router.get("/services/{service_code}")
@router.get("/services/{service_code}.{fmt}")
@georeport
async def service_definition(service_code: str, request: Request, engine: Engine, fmt: str = "xml"):
    async with engine.connect() as conn:
        d = await directory.load(conn)
        category = d.categories.get(service_code)
        if category is None or not category["active"] or category["out_of_scope"]:
            raise Open311Error(404, "service_code {code} was not found.", code=service_code)
        questions = await attrs.for_category(conn, category["id"])
    lang = _lang()
    return render(fmt, "service_definition", {
        "service_code": category["code"],
        "attributes": [attrs.definition_view(a, lang) for a in questions],
    })


# ---------------------------------------------------------------- service requests


async def _fields(request: Request) -> dict[str, list[str]]:
    """The query string and the body's fields (not files), read once and kept on the request."""
    cached = getattr(request.state, "open311_fields", None)
    if cached is not None:
        return cached
    fields: dict[str, list[str]] = {}
    for k, v in request.query_params.multi_items():
        fields.setdefault(k, []).append(v)
    uploads: list[tuple[str, UploadFile]] = []
    if request.method == "POST":
        ctype = request.headers.get("content-type", "")
        if ctype.startswith("application/json"):
            body = _json_fields(await request.body())
        else:
            settings = request.app.state.settings
            try:
                form = await read_form(request, max_files=settings.max_files_per_report,
                                       max_file_bytes=settings.max_video_bytes)
            except DomainError as exc:
                if http_status(exc) == 413:
                    raise Open311Error(413, "A file is larger than the limit.")
                raise Open311Error(400, "The form data could not be read.")
            body = {}
            for k, item in form.multi_items():
                if isinstance(item, UploadFile):
                    uploads.append((k, item))
                else:
                    body.setdefault(k, []).append(item)
        # Body fields win over query fields of the same name.
        fields.update(body)
    if any("\x00" in v for values in fields.values() for v in values):
        raise Open311Error(400, "The request contains a NUL character.")
    request.state.open311_fields, request.state.open311_uploads = fields, uploads
    return fields


def _json_fields(raw: bytes) -> dict[str, list[str]]:
    try:
        data: Any = json.loads(raw) if raw else {}
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise Open311Error(400, "The request body is not valid JSON.")
    if not isinstance(data, dict):
        raise Open311Error(400, "The request body is not valid JSON.")
    out: dict[str, list[str]] = {}
    for k, v in data.items():
        if isinstance(v, dict):  # {"attribute": {"code": value}}
            for code, answer in v.items():
                out[f"{k}[{code}]"] = [str(x) for x in answer] if isinstance(answer, list) else [str(answer)]
        elif v is not None:
            out[k] = [str(x) for x in v] if isinstance(v, list) else [str(v).lower() if isinstance(v, bool) else str(v)]
    return out


@router.post("/requests")
@router.post("/requests.{fmt}")
@georeport
async def post_service_request(request: Request, engine: Engine, settings: AppSettings, now: Now, fmt: str = "xml"):
    fields = await _fields(request)
    presented = next((v for v in fields.get("api_key", []) if v.strip()), None) or request.headers.get("x-api-key")
    uploads = [u for name, f in getattr(request.state, "open311_uploads", [])
               if (u := await media_store.accept_upload(f.file, f.filename or name, settings)) is not None]
    async with reading(engine) as conn:
        key = await keys.authenticate(conn, presented)
    if key is None:
        raise Open311Error(403, "api_key was not provided or is invalid.")
    # Outside the write transaction: on SQLite the limiter writes through its own connection.
    await limits.hit(request, "open311_per_key", str(key["id"]))
    async with engine.begin() as conn:
        posted = await post_request(conn, form=fields, uploads=uploads, key=key, settings=settings, now=now,
                                    lang=_lang())
    return render(fmt, "service_requests", [{
        "service_request_id": posted.service_request_id,
        "service_notice": posted.service_notice,
        "account_id": posted.account_id,
    }])


def _moment(q, name: str) -> datetime | None:
    raw = (q.get(name) or "").strip()
    if not raw:
        return None
    try:
        if len(raw) == 10:  # a date alone: that day from local midnight
            return datetime.combine(datetime.fromisoformat(raw).date(), time(0), tzinfo=TZ)
        moment = datetime.fromisoformat(raw.replace(" ", "+").replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, "{field} must be a W3C date and time, e.g. 2026-12-01T00:00:00+07:00.", field=name)
    return moment if moment.tzinfo else moment.replace(tzinfo=TZ)


def _window(q, now: datetime) -> tuple[datetime, datetime | None]:
    start, end = _moment(q, "start_date"), _moment(q, "end_date")
    if start and end:
        if end < start:
            raise Open311Error(400, "end_date is before start_date.")
        if end - start > queries.WINDOW:
            raise Open311Error(400, "start_date and end_date may not span more than 90 days.")
        return start, end
    if start:
        return start, start + queries.WINDOW
    if end:
        return end - queries.WINDOW, end
    return now - queries.WINDOW, None


def _int(q, name: str, default: int, high: int) -> int:
    raw = (q.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= high:
        raise Open311Error(400, "{field} must be a whole number from 1 to {high}.", field=name, high=high)
    return int(raw)


def _list(q, name: str) -> list[str]:
    return [p.strip() for v in q.getlist(name) for p in v.split(",") if p.strip()]


def _extensions(q) -> bool:
    return (q.get("extensions") or "").strip().lower() in ("true", "1", "yes")


def request_filter(q, now: datetime) -> queries.RequestFilter:
    page, page_size = _int(q, "page", 1, 100_000), _int(q, "page_size", queries.MAX_ROWS, queries.MAX_ROWS)
    refs = _list(q, "service_request_id")
    if refs:
        ids = [i for i in (queries.parse_request_id(r) for r in refs) if i is not None]
        return queries.RequestFilter(ids=ids[: queries.MAX_ROWS], page=page, page_size=page_size)
    statuses = {s.lower() for s in _list(q, "status")}
    if statuses - {"open", "closed"}:
        raise Open311Error(400, "status must be open or closed.")
    start, end = _window(q, now)
    return queries.RequestFilter(
        service_codes=_list(q, "service_code"), statuses=statuses, start=start, end=end,
        updated_after=_moment(q, "updated_after"), updated_before=_moment(q, "updated_before"),
        page=page, page_size=page_size,
    )


@router.get("/requests")
@router.get("/requests.{fmt}")
@georeport
async def get_service_requests(request: Request, engine: Engine, now: Now, fmt: str = "xml"):
    q = request.query_params
    f = request_filter(q, now)
    async with engine.connect() as conn:
        items = await queries.list_requests(conn, f, now=now, base_url=_base_url(request), lang=_lang(),
                                            extensions=_extensions(q))
    return render(fmt, "service_requests", items)


@router.get("/requests/{service_request_id}")
@router.get("/requests/{service_request_id}.{fmt}")
@georeport
async def get_service_request(service_request_id: str, request: Request, engine: Engine, now: Now, fmt: str = "xml"):
    report_id = queries.parse_request_id(service_request_id)
    async with engine.connect() as conn:
        items = await queries.list_requests(
            conn, queries.RequestFilter(ids=[report_id] if report_id else []), now=now, base_url=_base_url(request),
            lang=_lang(), extensions=_extensions(request.query_params))
    if not items:
        raise Open311Error(404, "service_request_id {id} was not found.", id=service_request_id)
    return render(fmt, "service_requests", items)


@router.get("/tokens/{token}")
@router.get("/tokens/{token}.{fmt}")
@georeport
async def get_token(token: str, request: Request, engine: Engine, fmt: str = "xml"):
    async with engine.connect() as conn:
        request_id = await queries.request_id_for_token(conn, token)
    if request_id is None:
        raise Open311Error(404, "token {token} was not found.", token=token[:64])
    return render(fmt, "service_requests", [{"service_request_id": request_id, "token": token}])


@router.get("/servicerequestupdates")
@router.get("/servicerequestupdates.{fmt}")
@georeport
async def service_request_updates(request: Request, engine: Engine, now: Now, fmt: str = "xml"):
    q = request.query_params
    start, end = _window(q, now)
    page, page_size = _int(q, "page", 1, 100_000), _int(q, "page_size", queries.MAX_ROWS, queries.MAX_ROWS)
    async with engine.connect() as conn:
        items = await queries.list_updates(conn, start=start, end=end or now, page=page, page_size=page_size,
                                           base_url=_base_url(request))
    return render(fmt, "service_request_updates", items)


@router.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
async def unknown(rest: str):
    fmt = "json" if rest.lower().endswith(".json") else "xml"
    return error_response(fmt, 404, _("There is no Open311 resource at this address."))
