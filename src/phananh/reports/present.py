"""Reports and events as the API shows them, to a given viewer."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping

from phananh.auth.principal import Principal
from phananh.directory.service import Directory
from phananh.reports import visibility
from phananh.reports.codes import report_code
from phananh.reports.scope import is_public_view, may_see_identity
from phananh.reports.visibility import RESULT_PUBLIC_STATES
from phananh.sla.calendar import TZ
from phananh.workflow import Role


def local(moment: datetime | None) -> datetime | None:
    """Stored in UTC, shown in Vietnam's time (+07:00): the same instant, readable by people."""
    return moment.astimezone(TZ) if moment is not None else None

# What the public and the reporter see of each action's payload; actions not listed are internal.
PUBLIC_PAYLOAD_KEYS: dict[str, tuple[str, ...]] = {
    "submit": ("category",),
    "assign": ("agency",),
    "reject": ("reason",),
    "merge": ("into",),
    "respond": ("message",),
    "resolve": (),
    "publish": ("public_text",),
    "rate": ("score", "comment"),
    "reopen": (),
    "close": (),
    "comment": ("text",),
    "make_public": (),
    "reclassify": ("category",),  # the new category; the dispatcher's reason stays internal
}


def report_view(
    r: dict, *, d: Directory, viewer: Principal, deadlines: list[dict], media: list[dict], now: datetime,
    reporter: bool = False,
) -> dict:
    """The report as `viewer` sees it. Staff and the reporter (`reporter`, or a citizen: they read only their own)
    see the citizen's words; everyone else sees only the public view (reports/visibility.py)."""
    public = is_public_view(viewer)
    show_result = not public or r["status"] in RESULT_PUBLIC_STATES
    agency = d.agency_by_id.get(r["agency_id"])
    area = d.area_by_id.get(r["area_id"])
    out = {
        "id": r["id"],
        "code": report_code(r["id"], r["created_at"]),
        "status": r["status"],
        "category": d.category_by_id[r["category_id"]]["code"],
        "agency": agency["code"] if agency else None,
        "area": area["code"] if area else None,
        "urgent": r["urgent"],
        "urgent_hint": r["urgent_hint"],
        "title": r["title"] or "",
        "description": r["description"],
        "location": {"lat": r["lat"], "lon": r["lon"]} if r["lat"] is not None else None,
        "address": r["address"],
        "language": r["language"],
        "channel": r["channel"],
        "visibility": r["visibility"],
        "anonymous": r["anonymous"],
        "created_at": local(r["created_at"]),
        "updated_at": local(r["updated_at"]),
        "deadlines": [{**d, "started_at": local(d["started_at"]), "due_at": local(d["due_at"])} for d in deadlines],
        "public_response": r["public_response"],
        "result": r["result"] if show_result else None,
        "rating": {"score": r["rating"], "comment": r["rating_comment"]} if r["rating"] is not None else None,
        "reject_reason": r["reject_reason"],
        "merged_into": r["merged_into_id"],
        "media": [m for m in media if show_result or m["purpose"] == "report"],
    }
    if public and not (reporter or viewer.role == Role.citizen):
        view = visibility.public_view(r, d)
        out |= {"title": view["title"], "description": view["description"] or "", "address": view["address"],
                "location": view["location"], "media": visibility.public_media(media, r["status"]),
                "rating": {"score": r["rating"], "comment": None} if r["rating"] is not None else None}
    if public:
        # Clean photos (issue 9): nothing but ready public copies outside staff; never a video.
        out["media"] = [m for m in out["media"] if m["kind"] == "photo" and m.get("status") in ("ready", "processing")
                        and (m["status"] == "ready" or reporter or viewer.role == Role.citizen)]
    else:
        out["media"] = [{**m, "original_url": f"/api/v1/media/{m['id']}/original"} for m in out["media"]]
    if not public:
        out["handler"] = r.get("handler_username")
        reviewed = r.get("public_since") is not None
        out["public_view"] = {**visibility.public_view(r, d), "since": local(r.get("public_since"))} \
            if reviewed or visibility.has_public_fields(r) else None
    if may_see_identity(viewer, r) and not r["anonymous"]:
        out["reporter"] = {"name": r["reporter_name"], "phone": r["reporter_phone"], "email": r["reporter_email"]}
    return out


def media_view(m: Mapping[str, Any] | RowMapping) -> dict:
    """A photo's `url` serves its public copy (no metadata, faces and plates blurred) once `status` is "ready";
    `m` may carry `derivative_status` (reports.derivatives). Videos are never public."""
    out = {"id": m["id"], "kind": m["kind"], "content_type": m["content_type"], "purpose": m["purpose"],
           "url": f"/api/v1/media/{m['id']}"}
    if m["kind"] == "photo":
        out["content_type"] = "image/jpeg"
        out["status"] = {"ready": "ready", "failed": "failed"}.get(m.get("derivative_status") or "", "processing")
    return out


def event_view(e: dict, *, public: bool, d: Directory | None = None, reporter: bool = False) -> dict | None:
    """One event; None when `public` and the event is internal. The public and the reporter (`reporter`) see who
    acted as a role and an agency name, never a username; the public never reads the citizen's own words
    (comments, rating comments), which the Portal does not review (ARCHITECTURE §5)."""
    payload = e["payload"] or {}
    actor = visibility.public_actor(e, d)
    if public:
        keys = PUBLIC_PAYLOAD_KEYS.get(e["action"])
        if keys is None or not e["public"]:
            return None
        if not reporter and e["actor_role"] in (Role.citizen, Role.anonymous):
            keys = tuple(k for k in keys if k not in visibility.CITIZEN_TEXT_KEYS)
        payload = {k: payload[k] for k in keys if k in payload}
    else:
        staff = e["actor_role"] not in (Role.citizen, Role.anonymous)
        actor["username"] = e["actor_username"] if staff else None
    return {
        "id": e["id"],
        "action": e["action"],
        "from_status": e["from_status"],
        "to_status": e["to_status"],
        "actor": actor,
        "at": local(e["at"]),
        "payload": payload,
    }
