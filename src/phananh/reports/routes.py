"""REST routes for reports: thin — parse, call the service, shape the answer."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import FileResponse, JSONResponse
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from phananh.api.deps import AppSettings, CurrentPrincipal, Engine, Now, ReadConn, get_principal
from phananh.api.ids import BigId
from phananh.api.openapi import document_models, error_responses
from phananh.db import UtcDateTime, reading
from phananh.directory import service as directory
from phananh.errors import ApiError, invalid, invalid_fields
from phananh.reports import derivatives, queries, service
from phananh.reports import media as media_store
from phananh.reports.codes import display_token, id_from_code, parse_id
from phananh.reports.present import media_view, report_view
from phananh.reports.schemas import (
    ACTION_BODIES,
    EventList,
    ReportList,
    ReportOut,
    ReportSubmit,
    SubmitOut,
    TrackLookup,
    TrackOut,
)
from phananh.reports.tables import reports
from phananh.security import limits
from phananh.server.forms import read_form
from phananh.workflow import Role

router = APIRouter(tags=["reports"])
document_models(ReportSubmit, *ACTION_BODIES.values())

_SUBMIT_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/ReportSubmit"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "report": {"type": "string", "description": "the JSON body, as text"},
                        "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                    },
                    "required": ["report"],
                }
            },
        },
    }
}


async def _read_json(request: Request) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw) if raw else {}
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ApiError(400, "malformed_json", "The request body is not valid JSON.")


async def _read_multipart(request: Request, settings) -> tuple[dict, list[media_store.Upload]]:
    form = await read_form(request, max_files=settings.max_files_per_report, max_fields=100,
                           max_file_bytes=settings.max_video_bytes, max_part_size=settings.max_json_submit_bytes)
    body: dict[str, Any] = {}
    uploads: list[media_store.Upload] = []
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            upload = await media_store.accept_upload(value.file, value.filename or key, settings)
            if upload is not None:
                uploads.append(upload)
        elif key in ("report", "payload", "data", "body"):
            try:
                part = json.loads(value)
            except (json.JSONDecodeError, TypeError):
                raise ApiError(400, "malformed_json", "The request body is not valid JSON.")
            if not isinstance(part, dict):
                raise invalid()
            body.update(part)
        else:
            body[key] = value
    return _unflatten(body), uploads


def _unflatten(body: dict) -> dict:
    """Flat form fields (lat, lon, reporter.name...) into the JSON shape of the contract."""
    out = dict(body)
    lat, lon = out.pop("lat", None) or out.pop("location.lat", None), out.pop("lon", None) or out.pop("location.lon", None)
    if lat is not None and lon is not None:
        out["location"] = {"lat": lat, "lon": lon}
    reporter = {k.split(".", 1)[1]: out.pop(k) for k in list(out) if k.startswith("reporter.")}
    if reporter:
        out["reporter"] = reporter
    for flag in ("anonymous", "share_identity_with_agency", "consent", "urgent_hint"):
        if isinstance(out.get(flag), str):
            out[flag] = out[flag].strip().lower() in ("1", "true", "on", "yes")
    return out


async def read_body(request: Request, settings) -> tuple[Any, list[media_store.Upload]]:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        return await _read_multipart(request, settings)
    if content_type and not content_type.startswith("application/json") and await request.body():
        raise ApiError(415, "unsupported_media_type", "Send JSON or multipart/form-data.")
    return await _read_json(request), []


@router.post("/reports", status_code=201, response_model=SubmitOut, openapi_extra=_SUBMIT_DOC,
             responses={200: {"model": SubmitOut, "description": "the same Idempotency-Key and body again: the report made the first time"},
                        **error_responses(401, 403, 409, 415, 429)})
async def submit_report(
    request: Request,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
):
    """Submit a report (anyone; anonymous allowed). JSON, or multipart with a `report` JSON part and files."""
    # The hot path takes the app's engine, settings and clock itself rather than as five dependencies: FastAPI's
    # dependency solving was a tenth of a submit's Python time (issue 7's profile).
    state = request.app.state
    engine, settings, now = state.engine, state.settings, state.clock()
    principal = await get_principal(request, engine)
    await limits.charge_submit(request, principal)  # 429 past the caller's budget, before the body is read
    raw, uploads = await read_body(request, settings)
    if uploads and "content-length" not in request.headers:  # a chunked upload: its size is known only now
        await limits.charge_media(request, principal, sum(u.size if u.size >= 0 else len(u.data) for u in uploads))
    if not isinstance(raw, dict):
        raise invalid()
    try:
        data = ReportSubmit.model_validate(raw)
    except ValidationError as exc:
        raise invalid_fields(exc)
    fingerprint = service.request_fingerprint(raw, uploads) if idempotency_key else None
    # No transaction opened up front: on PostgreSQL the submit's writes are one statement, its own transaction
    # (batch.py); what runs before or after it (a directory reload, the earlier report of a reused Idempotency-Key) begins one, committed here.
    async with engine.connect() as conn:
        submitted = await service.submit_report(
            conn, data=data, uploads=uploads, principal=principal, settings=settings, now=now,
            idempotency_key=idempotency_key, fingerprint=fingerprint,
            channel="hotline" if principal.is_staff and not data.channel else "api",
        )
        view = await _new_report_view(conn, submitted, principal, now) \
            if submitted.created and principal.role in _SEE_OWN_NEW_REPORT else None
        if conn.in_transaction():
            await conn.commit()
    if view is None:
        async with engine.begin() as conn:
            view = await queries.get_report(conn, submitted.report_id, principal, now=now, log_identity=False) \
                if principal.role.value != "anonymous" else await queries.track(conn, submitted.tracking_token, now=now)
    view.pop("events", None)
    view["tracking_token"] = submitted.tracking_token
    view["tracking_code"] = display_token(submitted.tracking_token)
    return _JsonResponse(view, status_code=201 if submitted.created else 200,
                        headers={"Location": f"/api/v1/reports/{submitted.report_id}"})


# Who always sees the report they just submitted (others go through the scoped read, which may refuse).
_SEE_OWN_NEW_REPORT = {Role.anonymous, Role.citizen, Role.dispatcher, Role.admin}


async def _new_report_view(conn, submitted: service.Submitted, principal, now: datetime) -> dict:
    """The answer to a fresh submit, shaped from the rows just written: the same view as
    `queries.get_report`/`queries.track`, without reading the report or its media back (issue 7)."""
    assert submitted.row is not None and submitted.deadlines is not None  # set: this request created the report
    row = dict(submitted.row)
    for column in _REPORT_TIMES:
        if (moment := row[column]) is not None:
            row[column] = moment.astimezone(timezone.utc)
    return report_view(row, d=await directory.load(conn), viewer=principal, deadlines=submitted.deadlines,
                       media=[{**media_view(m), "purpose": m["purpose"]} for m in submitted.media or ()], now=now,
                       reporter=True)


# A fresh report row's only datetimes: its timestamp columns (batch.py has checked every column's values against
# its type: text, numbers and flags elsewhere). No line of a comment may start `# type:` (a mypy type comment).
_REPORT_TIMES = tuple(c.name for c in reports.c if isinstance(c.type, UtcDateTime))


def _unit(engine, principal):
    """Staff reads write the identity-access log, so they need a write transaction; others only read."""
    return engine.begin() if principal.is_staff else reading(engine)


class _JsonResponse(JSONResponse):
    """The submit answer, serialised straight by `json` (dates as ISO 8601): the hot path skips jsonable_encoder."""

    def render(self, content) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":"), default=_iso).encode()


def _iso(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


@router.get("/reports", response_model=ReportList, response_model_exclude_unset=True)
async def list_reports(
    engine: Engine,
    principal: CurrentPrincipal,
    now: Now,
    status: Annotated[str | None, Query(description="one status or a comma list")] = None,
    category: str | None = None,
    agency: str | None = None,
    area: str | None = None,
    urgent: bool | None = None,
    overdue: bool | None = None,
    at_risk: bool | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    from_: Annotated[datetime | None, Query(alias="from")] = None,
    to: datetime | None = None,
    sort: Annotated[str, Query(pattern="^(-?created_at|-?updated_at|deadline|queue)$")] = "-created_at",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=queries.MAX_PAGE_SIZE)] = 20,
):
    """Reports the caller may see, filtered and paged. `sort=queue`: urgent first, then the nearest deadline."""
    for moment in (from_, to):
        if moment is not None and moment.tzinfo is None:
            raise ApiError(422, "naive_datetime", "Give dates with a time zone offset, e.g. 2026-12-01T00:00:00+07:00.")
    f = queries.ReportFilter(
        status=[s for s in status.split(",") if s] if status else None, category=category, agency=agency, area=area,
        urgent=urgent, overdue=overdue, at_risk=at_risk, q=q, date_from=from_, date_to=to, sort=sort, page=page,
        page_size=page_size,
    )
    async with _unit(engine, principal) as conn:
        return await queries.list_reports(conn, principal, f, now=now)


@router.get("/reports/{report_ref}", response_model=ReportOut, response_model_exclude_unset=True)
async def get_report(report_ref: str, engine: Engine, principal: CurrentPrincipal, now: Now):
    """One report, by id or by code (PA-2026-000123)."""
    async with _unit(engine, principal) as conn:
        report_id = await queries.resolve_report_ref(conn, report_ref)
        return await queries.get_report(conn, report_id, principal, now=now)


@router.get("/reports/{report_ref}/events", response_model=EventList)
async def report_events(
    report_ref: str, conn: ReadConn, principal: CurrentPrincipal,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=1000)] = 100,
):
    """The report's event log; the public and the reporter see only its public part."""
    report_id = await queries.resolve_report_ref(conn, report_ref)
    return await queries.list_events(conn, report_id, principal, page=page, page_size=page_size)


_ACTION_DOC = {
    "requestBody": {
        "required": False,
        "content": {
            "application/json": {"schema": {"oneOf": [
                {"$ref": f"#/components/schemas/{m.__name__}"} for m in dict.fromkeys(ACTION_BODIES.values())
            ]}},
            "multipart/form-data": {"schema": {"type": "object", "properties": {
                "body": {"type": "string", "description": "the JSON body, as text"},
                "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
            }}},
        },
    }
}


@router.post("/reports/{report_ref}/actions/{action}", response_model=ReportOut, response_model_exclude_unset=True,
             openapi_extra=_ACTION_DOC,
             responses=error_responses(401, 403, 404, 409, 415, 422))
async def report_action(
    report_ref: str,
    action: str,
    request: Request,
    engine: Engine,
    principal: CurrentPrincipal,
    settings: AppSettings,
    now: Now,
    x_tracking_token: Annotated[str | None, Header(max_length=64)] = None,
):
    """Apply a lifecycle action (ARCHITECTURE §3). 403: the role may not; 409: the state does not allow it.

    An anonymous reporter rates or comments with the `X-Tracking-Token` header.
    """
    raw, uploads = await read_body(request, settings)
    if raw is not None and not isinstance(raw, dict):
        raise invalid()
    async with engine.begin() as conn:
        report_id = await queries.resolve_report_ref(conn, report_ref)
        await service.apply_action(conn, report_id=report_id, action=action, body=raw, principal=principal,
                                   now=now, settings=settings, uploads=uploads, tracking_token=x_tracking_token)
    async with engine.begin() as conn:
        if x_tracking_token and not principal.is_staff:
            view = await queries.track(conn, x_tracking_token, now=now)
            view.pop("events", None)
            return view
        return await queries.get_report(conn, report_id, principal, now=now, log_identity=False)


@router.get("/track/{tracking_token}", response_model=TrackOut, response_model_exclude_unset=True)
async def track(tracking_token: str, engine: Engine, now: Now):
    """An anonymous reporter follows their report with the token given at submit."""
    async with reading(engine) as conn:
        return await queries.track(conn, tracking_token, now=now)


@router.post("/track", response_model=TrackOut, response_model_exclude_unset=True,
             responses=error_responses(404, 422, 429))
async def track_by_phone(request: Request, engine: Engine, now: Now):
    """The reporter's view without the tracking code: `{"code": "PA-2026-000123", "phone_last4": "5678"}`, the
    report's public code and the last 4 digits of the phone given with it. A wrong pair, an unknown code and an
    anonymous report all answer 404 `not_found`. Limited per code and per client IP (429). The answer has no
    tracking code: it shows the report, it does not let its holder act as the reporter."""
    raw = await _read_json(request)
    try:
        lookup = TrackLookup.model_validate(raw if isinstance(raw, dict) else {})
    except ValidationError as exc:
        raise invalid_fields(exc)
    code_key = str(id_from_code(lookup.code) or parse_id(lookup.code) or lookup.code.upper())
    await limits.charge(request, [("track_per_code", code_key, 1), ("track_per_ip", limits.ip_key(request), 1)])
    async with reading(engine) as conn:
        return await queries.track_by_phone(conn, lookup.code, lookup.phone_last4, now=now)


@router.get("/media/{media_id}", response_class=FileResponse, responses={200: {"content": {"image/*": {}}}})
async def get_media(media_id: BigId, engine: Engine, principal: CurrentPrincipal, settings: AppSettings, now: Now,
                    tracking_token: Annotated[str | None, Query(max_length=64)] = None):
    """A photo's public copy, to those who may see its report (staff too): re-encoded with no metadata, faces and
    number plates blurred. 404 `photo_processing` until the copy is made. Videos only to staff; the original of a
    photo is at `/media/{id}/original`."""
    async with engine.begin() as conn:
        row = await queries.media_for(conn, media_id, principal, tracking_token=tracking_token, now=now)
        copy = await derivatives.derivative_of(conn, media_id) if row["kind"] == "photo" else None
        name = await media_store.download_name(conn, row)
    if row["kind"] != "photo":
        if not principal.is_staff:
            raise ApiError(404, "not_found", "Not found: {what}", what="media")
        return await _media_file(row["path"], row["content_type"], settings, filename=name)
    if copy is None or copy["status"] != derivatives.READY:
        raise ApiError(404, "photo_processing", "The photo is still being processed; try again in a moment.")
    # no-cache: a redaction replaces the copy behind the same URL, and a browser must not keep the old one.
    return await _media_file(copy["path"], "image/jpeg", settings, cache="no-cache", filename=name)


@router.get("/media/{media_id}/original", response_class=FileResponse, responses={200: {"content": {"image/*": {}}}})
async def get_media_original(media_id: BigId, engine: Engine,
                             principal: CurrentPrincipal, settings: AppSettings, now: Now):
    """A photo or video as received (with its metadata), to staff who may see its report; each read is logged
    with the identity reads (`via` = `media_original:<id>`)."""
    if not principal.is_staff:
        raise ApiError(403, "staff_only", "Only staff who may see this report can open the original.")
    async with engine.begin() as conn:
        row = await queries.media_for(conn, media_id, principal, tracking_token=None, now=now)
        await derivatives.log_original_read(conn, row, principal, now=now)
        name = await media_store.download_name(conn, row)
    return await _media_file(row["path"], row["content_type"], settings, filename=name)


async def _media_file(rel: str, content_type: str, settings, *, cache: str = "private, max-age=3600",
                      filename: str = "media"):
    """From the media store (a folder or a bucket), streamed; 404 if it has no such file, 503 if it is down."""
    return await media_store.media_response(
        rel, content_type, settings,
        headers={"Cache-Control": cache,  # nosniff: on every answer (SecurityHeaders)
                 "Content-Disposition": media_store.content_disposition(filename)})
