"""POST Service Request: a partner's form becomes a report through the same service as the web app.

Same workflow, same SLA clocks. A client that repeats itself (a retry after a timeout) gets the same report:
the idempotency key is derived from the partner's key, the device_id and a hash of the whole request.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from phananh.auth.principal import ANONYMOUS
from phananh.config import Settings
from phananh.directory import service as directory
from phananh.open311 import attributes as attrs
from phananh.open311.formats import Open311Error
from phananh.open311.keys import channel_of
from phananh.open311.present import current_deadline, service_notice
from phananh.open311.tables import api_keys, open311_requests
from phananh.reports import media as media_store
from phananh.reports import service
from phananh.reports.codes import report_code
from phananh.reports.schemas import ReportSubmit
from phananh.reports.tables import reports
from phananh.sla import service as sla

MAX_DESCRIPTION = 4000  # the spec's limit
_ATTRIBUTE = re.compile(r"^attribute\[([^\]]{1,64})\](\[\])?$")
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Posted:
    service_request_id: str
    service_notice: str | None
    account_id: str | None
    created: bool
    event: dict | None  # the submit event, for the live feed after commit


def _one(form: dict[str, list[str]], name: str, limit: int = 200) -> str | None:
    values = [v.strip() for v in form.get(name, []) if v and v.strip()]
    if not values:
        return None
    if len(values[0]) > limit:
        raise Open311Error(400, "“{field}” is too long (at most {limit} characters).", field=name, limit=limit)
    return values[0]


def _coordinate(form, name: str, low: float, high: float) -> float | None:
    raw = _one(form, name, 40)
    if raw is None:
        return None
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        raise Open311Error(400, "“{field}” must be a number.", field=name)
    if not low <= value <= high:
        raise Open311Error(400, "“{field}” is out of range.", field=name)
    return value


def answers_of(form: dict[str, list[str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, values in form.items():
        m = _ATTRIBUTE.match(key)
        if m:
            out.setdefault(m.group(1), []).extend(values)
    return out


def idempotency_key(api_key_id: int, device_id: str | None, fingerprint: str) -> str:
    digest = hashlib.sha256(f"{api_key_id}\n{device_id or ''}\n{fingerprint}".encode()).hexdigest()
    return f"open311:{digest[:48]}"


async def post_request(conn: AsyncConnection, *, form: dict[str, list[str]], uploads: list[media_store.Upload],
                       key: dict, settings: Settings, now: datetime, lang: str) -> Posted:
    d = await directory.load(conn)
    code = _one(form, "service_code", 64)
    if code is None:
        raise Open311Error(400, "service_code was not provided.")
    category = d.categories.get(code)
    if category is None or not category["active"]:
        raise Open311Error(404, "service_code {code} was not found.", code=code)
    # An out-of-scope category is the service's refusal (submit_report), as for every other channel.

    lat, lon = _coordinate(form, "lat", -90, 90), _coordinate(form, "long", -180, 180)
    if (lat is None) != (lon is None):
        raise Open311Error(400, "lat and long must be sent together.")
    address = _one(form, "address_string", 500)
    address_id = _one(form, "address_id", 64)
    if address_id and address_id not in d.areas:
        raise Open311Error(400, "address_id {code} is not a known commune or ward code.", code=address_id)
    if lat is None and not address and not address_id:
        raise Open311Error(400, "A location is required: lat and long, address_string or address_id.")

    description = _one(form, "description", MAX_DESCRIPTION) or category["name_en" if lang == "en" else "name_vi"]
    questions = await attrs.for_category(conn, category["id"])
    try:
        kept = attrs.check_answers(questions, answers_of(form))
    except attrs.AnswerError as exc:
        raise Open311Error(400, exc.message, **exc.params)
    extra = attrs.answers_text(questions, kept, lang)
    media_url = _one(form, "media_url", 1000)
    if media_url and not re.match(r"^https?://", media_url, re.IGNORECASE):
        raise Open311Error(400, "media_url must be an http or https URL.")

    name = " ".join(x for x in (_one(form, "first_name"), _one(form, "last_name")) if x) or None
    phone, email = _one(form, "phone", 32), _one(form, "email")
    device_id, account_id = _one(form, "device_id"), _one(form, "account_id")
    # Partners collect the reporter's consent under their agreement with the province; consent=false opts out.
    consent = (_one(form, "consent", 10) or "true").lower() not in _FALSE
    anonymous = not (name or phone or email) or not consent
    body = {
        "category": code, "description": description + (f"\n\n{extra}" if extra else ""),
        "title": description.splitlines()[0][:120], "address": address, "area": address_id,
        "location": {"lat": lat, "lon": lon} if lat is not None else None,
        "reporter": None if anonymous else {"name": name, "phone": phone, "email": email},
        "anonymous": anonymous, "consent": not anonymous, "language": lang,
    }
    try:
        data = ReportSubmit.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise Open311Error(400, "“{field}” is not valid: {reason}",
                           field=".".join(str(p) for p in first["loc"]) or "request", reason=first["msg"])

    # Where the key came (query or body) and the jurisdiction do not make a request different.
    content = {k: v for k, v in form.items() if k not in ("api_key", "jurisdiction_id")}
    fingerprint = service.request_fingerprint({"form": content, "partner": key["id"]}, uploads)
    submitted = await service.submit_report(
        conn, data=data, uploads=uploads, principal=ANONYMOUS, settings=settings, now=now,
        idempotency_key=idempotency_key(key["id"], device_id, fingerprint), fingerprint=fingerprint,
        channel=channel_of(key["partner_slug"]),
    )
    if submitted.created:
        await conn.execute(insert(open311_requests).values(
            report_id=submitted.report_id, api_key_id=key["id"], device_id=device_id, account_id=account_id,
            media_url=media_url, attributes=kept, created_at=now,
        ))
    await conn.execute(update(api_keys).where(api_keys.c.id == key["id"]).values(last_used_at=now))
    deadlines = (await sla.running_deadlines(conn, [submitted.report_id], now)).get(submitted.report_id, [])
    created_at = now if submitted.created else await _created_at(conn, submitted.report_id)
    return Posted(report_code(submitted.report_id, created_at), service_notice(current_deadline(deadlines)),
                  account_id, submitted.created, submitted.event)


async def _created_at(conn: AsyncConnection, report_id: int) -> datetime:
    return (await conn.execute(select(reports.c.created_at).where(reports.c.id == report_id))).scalar_one()
