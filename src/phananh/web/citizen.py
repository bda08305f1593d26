"""The citizen app: submit a report (offline-first with JavaScript, plain form without), my reports, tracking,
rating, sign-in by one-time code. Phone first (360 px)."""

from __future__ import annotations

import uuid
from pathlib import Path

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, RedirectResponse

from phananh.api.ids import BigId
from phananh.auth import service as auth_service
from phananh.directory import service as directory
from phananh.errors import ApiError, DomainError, http_status
from phananh.reports import queries, service
from phananh.reports.codes import display_token, id_from_code, parse_id, token_candidates
from phananh.reports.schemas import ReportSubmit
from phananh.security import limits
from phananh.web import STATIC_DIR, geocode
from phananh.web.forms import errors_from_api, submit_errors, text_fields, uploads_from
from phananh.web.front_door import OTHER_CATEGORY, category_icon, category_usage
from phananh.web.session import SESSION_COOKIE, FormWeb, PageWeb, Redirect, Web
from phananh.web.stepper import flow_for
from phananh.web.templating import render
from phananh.workflow import Role

router = APIRouter(include_in_schema=False)
router.include_router(geocode.router)  # the map's address search (off unless geocoder_url is set)
FLAGS = ("anonymous", "share_identity_with_agency", "consent", "urgent_hint")


async def _choices(web: Web) -> dict:
    async with web.request.app.state.engine.connect() as conn:
        d = await directory.load(conn)
    en = web.lang == "en"
    usage = await category_usage(web.request.app.state.engine)  # most used first, "Lĩnh vực khác" last (issue 14)
    categories = [
        {"code": c["code"], "name": c["name_en"] if en else c["name_vi"], "hint": c["hint_en"] if en else c["hint_vi"],
         "icon": category_icon(c["code"])}
        for c in sorted(d.categories.values(), key=lambda c: (c["code"] == OTHER_CATEGORY, -usage.get(c["id"], 0),
                                                              c["id"]))
        if c["active"] and not c["out_of_scope"]
    ]
    active = [a for a in d.areas.values() if a.get("active", True)]
    areas = sorted(({"code": a["code"], "name": a["name"]} for a in active), key=lambda a: a["name"])
    # The communes' centres and boundaries, for the map to fill the commune from the pin as the server does
    # (Directory.area_at): the boundary holding the pin, else the nearest centre.
    centres = [[a["code"], a["lat"], a["lon"]] for a in active if a.get("lat") is not None and a.get("lon") is not None]
    shapes = [[a["code"], a["boundary"]] for a in active if a.get("boundary")]
    geocoder = bool(web.request.app.state.settings.geocoder_url)
    return {"categories": categories, "areas": areas, "area_centres": centres, "area_shapes": shapes,
            "geocoder": geocoder}


def report_body_from_form(fields: dict[str, str], lang: str) -> dict:
    """The REST contract's submit body from the form's flat fields (the JavaScript builds the same)."""
    body: dict = {k: fields[k] for k in ("category", "description", "address", "area") if fields.get(k)}
    if fields.get("lat") and fields.get("lon"):
        body["location"] = {"lat": fields["lat"], "lon": fields["lon"]}
    reporter = {k: fields[f"reporter.{k}"] for k in ("name", "phone", "email") if fields.get(f"reporter.{k}")}
    if reporter:
        body["reporter"] = reporter
    for flag in FLAGS:
        body[flag] = fields.get(flag) in ("1", "on", "true")
    body["language"] = lang
    return body


async def new_report_page(web: Web, *, values: dict | None = None, errors: dict | None = None, status: int = 200):
    values = dict(values or {})
    values.setdefault("idempotency_key", str(uuid.uuid4()))
    return render(web, "citizen/new.html", status=status, values=values, errors=errors or {}, **await _choices(web))


@router.get("/")
async def home(web: PageWeb):
    return await new_report_page(web)


@router.post("/gui-phan-anh")
async def submit_without_javascript(web: FormWeb):
    """The same submit as the app's, for a phone without JavaScript: errors next to fields, input kept."""
    request = web.request
    settings = request.app.state.settings
    form = await request.form()
    fields = text_fields(form)
    body = report_body_from_form(fields, web.lang)
    data, errors = submit_errors(ReportSubmit, body, web._)
    refused = None
    if data is not None:  # valid: no errors
        key = fields.get("idempotency_key") or None
        try:
            await limits.charge_submit(request, web.principal)
            uploads = await uploads_from(form, settings)
            fingerprint = service.request_fingerprint(body, uploads) if key else None
            async with request.app.state.engine.begin() as conn:
                submitted = await service.submit_report(
                    conn, data=data, uploads=uploads, principal=web.principal, settings=settings,
                    now=request.app.state.clock(), idempotency_key=key, fingerprint=fingerprint, channel="web")
        except DomainError as exc:
            refused = exc
            errors = {"files": web._(exc.message, **exc.params)} if http_status(exc) in (413, 415) \
                else errors_from_api(exc, web._)
        else:
            return web.redirect(f"/theo-doi/{submitted.tracking_token}?moi=1")
    page = await new_report_page(web, values=fields, errors=errors, status=422)
    return _refused(page, refused) if refused else page


@router.get("/theo-doi")
async def track_form(web: PageWeb, ma: str | None = Query(None, max_length=200)):
    if ma and ma.strip():
        return RedirectResponse(f"/theo-doi/{ma.strip()}", status_code=303)
    return render(web, "citizen/track_form.html")


@router.post("/theo-doi")
async def track_by_phone(web: FormWeb):
    """"Tra cứu" without the tracking code: the report's code and the last 4 digits of the phone given with it."""
    form = text_fields(await web.request.form())
    code, last4 = (form.get("code") or "").strip(), (form.get("phone_last4") or "").strip()
    values = {"code": code, "phone_last4": last4}
    if not code or not (len(last4) == 4 and last4.isascii() and last4.isdigit()):
        return render(web, "citizen/track_form.html", status=422, values=values,
                      errors={"phone_last4": web._("Give the report's code and the last 4 digits of the phone.")})
    try:
        key = str(id_from_code(code) or parse_id(code) or code.upper()[:40])
        await limits.charge(web.request, [("track_per_code", key, 1), ("track_per_ip", limits.ip_key(web.request), 1)])
        async with web.request.app.state.engine.begin() as conn:
            report = await queries.track_by_phone(conn, code[:40], last4, now=web.request.app.state.clock())
    except DomainError as exc:
        message = web._(exc.message, **exc.params) if http_status(exc) == 429 \
            else web._("No report has this code and phone number.")
        return render(web, "citizen/track_form.html", status=http_status(exc), values=values, errors={"phone_last4": message})
    return _render_track(web, report=report, events=report["events"], token=None, just_sent=False,
                  errors={}, by_phone=True)


async def _tracked(web: Web, token: str) -> dict | None:
    if len(token) > 64:
        return None
    async with web.request.app.state.engine.begin() as conn:
        try:
            return await queries.track(conn, token, now=web.request.app.state.clock())
        except DomainError:
            return None


@router.get("/theo-doi/{token}")
async def track_page(web: PageWeb, token: str, moi: int = 0):
    report = await _tracked(web, token)
    if report is None:
        return render(web, "citizen/track_form.html", status=404,
                      errors={"ma": web._("No report has this tracking code.")}, values={"ma": token})
    return _render_track(web, report=report, events=report["events"], token=token,
                  token_display=display_token(token_candidates(token)[-1]), just_sent=bool(moi), errors={})


@router.get("/theo-doi/{token}/qr.svg")
async def track_qr(web: PageWeb, token: str):
    """The tracking page's address as a QR code (the confirmation screen: scan it on another phone)."""
    from fastapi.responses import Response

    from phananh.web.front_door import qr_svg

    if not (0 < len(token) <= 64 and token.replace("-", "").isalnum() and token.isascii()):
        raise ApiError(404, "not_found", "Not found")
    url = f"{web.request.app.state.settings.base_url}/theo-doi/{token}"
    return Response(qr_svg(url), media_type="image/svg+xml", headers={"Cache-Control": "private, max-age=86400"})


@router.post("/theo-doi/{token}/danh-gia")
async def rate_by_token(web: FormWeb, token: str):
    report = await _tracked(web, token)
    if report is None:
        return RedirectResponse("/theo-doi", status_code=303)
    return await _rate(web, report, token=token, back=f"/theo-doi/{token}")


@router.post("/cua-toi/{report_id:int}/danh-gia")
async def rate_signed_in(web: FormWeb, report_id: BigId):
    report = await _own_report(web, report_id)
    return await _rate(web, report, token=None, back=f"/cua-toi/{report_id}")


async def _rate(web: Web, report: dict, *, token: str | None, back: str):
    form = text_fields(await web.request.form())
    score = form.get("score", "")
    if score not in {"1", "2", "3", "4", "5"}:
        return _render_track(web, status=422, report=report, events=report.get("events", []),
                      token=token, just_sent=False, errors={"score": web._("Choose from 1 to 5 stars.")})
    try:
        async with web.request.app.state.engine.begin() as conn:
            await service.apply_action(conn, report_id=report["id"], action="rate",
                                       body={"score": int(score), "comment": form.get("comment") or None},
                                       principal=web.principal, now=web.request.app.state.clock(),
                                       settings=web.request.app.state.settings, tracking_token=token)
    except DomainError as exc:
        web.flash("error", web._(exc.message, **exc.params))
    else:
        web.flash("ok", web._("Thank you for rating the result."))
    return web.redirect(back)


async def _own_report(web: Web, report_id: int) -> dict:
    """A signed-in citizen's own report with its public history (the service scopes it to them)."""
    if web.principal.role != Role.citizen:
        raise Redirect("/dang-nhap-cong-dan")
    now = web.request.app.state.clock()
    async with web.request.app.state.engine.begin() as conn:
        report = await queries.get_report(conn, report_id, web.principal, now=now)
        report["events"] = (await queries.list_events(conn, report_id, web.principal, page_size=1000))["items"]
    return report


@router.get("/cua-toi/{report_id:int}")
async def my_report(web: PageWeb, report_id: BigId):
    report = await _own_report(web, report_id)
    return _render_track(web, report=report, events=report["events"], token=None, just_sent=False,
                  errors={})


@router.get("/cua-toi")
async def my_reports(web: PageWeb):
    """Reports of the signed-in citizen; those sent from this phone are added by the app from its storage."""
    mine = None
    if web.principal.role == Role.citizen:
        async with web.request.app.state.engine.begin() as conn:
            mine = await queries.list_reports(conn, web.principal, queries.ReportFilter(page_size=50),
                                              now=web.request.app.state.clock())
    return render(web, "citizen/mine.html", mine=mine)


@router.get("/cua-toi/thiet-bi")
async def reports_on_this_phone(web: PageWeb, t: list[str] = Query(default=[], max_length=50)):
    """A fragment: the reports whose tracking codes this phone keeps."""
    pairs = [(await _tracked(web, token), token) for token in t[:50]]
    return render(web, "citizen/_device_reports.html", pairs=[(r, token) for r, token in pairs if r])


@router.get("/dang-nhap-cong-dan")
async def citizen_sign_in(web: PageWeb):
    return render(web, "citizen/sign_in.html", step="phone", values={}, errors={})


@router.post("/dang-nhap-cong-dan")
async def citizen_send_code(web: FormWeb):
    fields = text_fields(await web.request.form())
    try:
        sent = await auth_service.send_sign_in_code(web.request, phone=fields.get("phone", ""))
    except DomainError as exc:
        return _refused(render(web, "citizen/sign_in.html", status=422, step="phone", values=fields,
                               errors={"phone": web._(exc.message, **exc.params)}), exc)
    return render(web, "citizen/sign_in.html", step="code", values={"phone": sent["phone"]}, errors={})


@router.post("/dang-nhap-cong-dan/xac-thuc")
async def citizen_verify_code(web: FormWeb):
    fields = text_fields(await web.request.form())
    try:
        signed = await auth_service.sign_in_with_code(web.request, phone=fields.get("phone", ""),
                                                      code=fields.get("code", ""))
    except DomainError as exc:
        return _refused(render(web, "citizen/sign_in.html", status=422, step="code", values=fields,
                               errors={"code": web._(exc.message, **exc.params)}), exc)
    web.set_cookies[SESSION_COOKIE] = (signed["access_token"], web.cookie_options(max_age=signed["expires_in"]))
    return web.redirect("/cua-toi")


def _render_track(web: Web, status: int = 200, **ctx):
    """A report as its reporter sees it, with the status stepper."""
    return render(web, "citizen/track.html", status=status, flow=flow_for(web, ctx["report"]), **ctx)


def _refused(page, exc: DomainError):
    """A form page shown again after a refusal: over a budget it is a 429 with Retry-After, not a 422."""
    if http_status(exc) == 429:
        page.status_code = 429
        page.headers.update(exc.headers or {})
    return page


@router.get("/sw.js")
async def service_worker():
    # Served from the root so that it controls the whole app.
    return FileResponse(STATIC_DIR / "sw.js", media_type="text/javascript",
                        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"})


@router.get("/manifest.webmanifest")
async def manifest():
    return FileResponse(Path(STATIC_DIR) / "manifest.webmanifest", media_type="application/manifest+json")
