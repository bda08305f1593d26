"""Our reports as GeoReport service requests: the open/closed mapping, status notes, the public timeline.

Only what the public may see goes out (the one rule, reports/visibility.py): before the Portal has reviewed a
report, only its service code, status, requested and updated times and agency; after, its public view (the
dispatcher's redacted text, a position snapped for sensitive categories, public photos). Never the reporter's
name, phone, email or account, never a staff username; a rejected report's text is withheld (it may be spam
or a complaint naming people), only the reason is given.
"""

from __future__ import annotations

from datetime import datetime

from phananh.directory.service import Directory
from phananh.i18n import gettext as _
from phananh.reports import visibility
from phananh.reports.codes import report_code
from phananh.reports.present import event_view
from phananh.reports.visibility import RESULT_PUBLIC_STATES
from phananh.sla.calendar import TZ
from phananh.workflow import Status

# GeoReport knows two states. Ours map by whether anything is still to be done for the reporter.
OPEN311_STATUS: dict[str, str] = {
    Status.received: "open", Status.assigned: "open", Status.returned: "open", Status.in_progress: "open",
    Status.resolved: "open",
    Status.published: "closed", Status.closed: "closed", Status.rejected: "closed", Status.merged: "closed",
}
# FixMyStreet's richer states (its "Open311 FMS additional states"), for servicerequestupdates.
UPDATE_STATUS: dict[str, str] = {
    Status.received: "open", Status.assigned: "investigating", Status.returned: "open",
    Status.in_progress: "in_progress", Status.resolved: "in_progress", Status.published: "fixed",
    Status.closed: "fixed", Status.rejected: "no_further_action", Status.merged: "duplicate",
}
# The clock a reporter waits on; the agency's return window is internal.
PUBLIC_STAGES = ("distribute", "respond", "publish")
STAGE_NOTICE = {
    "distribute": "The provincial Portal will send this report to the responsible agency by {due}.",
    "respond": "The responsible agency will respond by {due}.",
    "publish": "The handling result will be published by {due}.",
}
SUMMARY = {
    "submit": "Report received",
    "assign": "Sent to the responsible agency",
    "reject": "Report rejected",
    "merge": "Merged with another report",
    "respond": "The agency responded",
    "resolve": "The agency reported its handling result",
    "publish": "Result published",
    "rate": "Rated by the reporter",
    "reopen": "Report reopened",
    "close": "Report closed",
    "comment": "Comment",
    "make_public": "Made public by the Portal",
}
NOT_UPDATES = {"submit", "rate", "make_public"}  # the request itself, the reporter's rating, no change of state


def local_text(moment: datetime) -> str:
    return moment.astimezone(TZ).strftime("%H:%M %d/%m/%Y")


def current_deadline(deadlines: list[dict]) -> dict | None:
    running = [d for d in deadlines if d["stage"] in PUBLIC_STAGES]
    return min(running, key=lambda d: d["due_at"]) if running else None


def service_notice(deadline: dict | None) -> str | None:
    if deadline is None:
        return None
    return _(STAGE_NOTICE[deadline["stage"]], due=local_text(deadline["due_at"]))


def status_notes(r: dict, codes: dict[int, str]) -> str | None:
    status = r["status"]
    if status == Status.rejected:
        return r["reject_reason"]
    if status == Status.merged:
        return _("Merged into report {code}; follow that report.", code=codes.get(r["merged_into_id"], "?"))
    if status in RESULT_PUBLIC_STATES:
        return r["result"] or r["public_response"]
    return r["public_response"]


def service_name(category: dict, lang: str) -> str:
    return category["name_en" if lang == "en" else "name_vi"]


def event_text(e: dict, d: Directory, codes: dict[int, str]) -> str | None:
    """The public text of an event, if it has one."""
    p = e["payload"]
    if e["action"] == "assign":
        agency = d.agencies.get(p.get("agency"))
        return agency["name"] if agency else None
    if e["action"] == "merge":
        return codes.get(p.get("into"))
    if e["action"] == "rate":
        return " ".join(x for x in (f"{p.get('score')}/5", p.get("comment")) if x)
    for key in ("reason", "message", "public_text", "text"):
        if p.get(key):
            return p[key]
    return None


def note_view(e: dict, d: Directory, codes: dict[int, str]) -> dict:
    closing = OPEN311_STATUS[e["to_status"]] == "closed" and (
        e["from_status"] is None or OPEN311_STATUS[e["from_status"]] == "open")
    return {
        "datetime": e["at"],
        "summary": _(SUMMARY.get(e["action"], e["action"])),
        "type": "opened" if e["action"] == "submit" else "closed" if closing else "activity",
        "description": event_text(e, d, codes),
    }


def public_events(events: list[dict], d: Directory | None = None) -> list[dict]:
    """Events as the public timeline shows them (internal ones left out, payloads trimmed, no usernames)."""
    out = []
    for e in events:
        view = event_view(e, public=True, d=d)
        if view is not None:
            out.append({**view, "report_id": e["report_id"]})
    return out


def request_view(r: dict, *, d: Directory, lang: str, deadlines: list[dict], photos: list[str],
                 codes: dict[int, str], notes: list[dict] | None) -> dict:
    """One service request; `photos` are absolute URLs of the report's public photos; `notes` when extensions."""
    category = d.category_by_id[r["category_id"]]
    agency = d.agency_by_id.get(r["agency_id"])
    out = {
        "service_request_id": report_code(r["id"], r["created_at"]),
        "status": OPEN311_STATUS[r["status"]],
        "status_notes": None,
        "service_name": service_name(category, lang),
        "service_code": category["code"],
        "description": None,
        "agency_responsible": agency["name"] if agency else None,
        "service_notice": None,
        "requested_datetime": r["created_at"],
        "updated_datetime": r["updated_at"],
        "expected_datetime": None,
        "address": None,
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }
    if not visibility.is_public(r):
        # Not reviewed yet: that it exists and where it stands, nothing the citizen wrote or where (§5).
        if notes is not None:
            out["extended_attributes"] = {"detailed_status": r["status"], "urgent": r["urgent"], "area": None,
                                          "channel": r["channel"], "media_urls": [], "notes": []}
        return out
    area = d.area_by_id.get(r["area_id"])
    deadline = current_deadline(deadlines)
    view = visibility.public_view(r, d)
    media = photos
    out |= {
        "status_notes": status_notes(r, codes),
        "description": view["description"],
        "service_notice": service_notice(deadline),
        "expected_datetime": deadline["due_at"] if deadline else None,
        "address": view["address"],
        "address_id": area["code"] if area else None,
        "lat": view["location"]["lat"] if view["location"] else None,
        "long": view["location"]["lon"] if view["location"] else None,
        "media_url": media[0] if media else r.get("partner_media_url"),
    }
    if notes is not None:
        out["extended_attributes"] = {
            "detailed_status": r["status"],
            "urgent": r["urgent"],
            "area": area["name"] if area else None,
            "channel": r["channel"],
            "media_urls": media,
            "notes": notes,
        }
    return out


def update_view(e: dict, *, d: Directory, codes: dict[int, str], report_codes: dict[int, str],
                photos: list[str]) -> dict:
    """One FixMyStreet `request_update`; the publish event carries the result photo."""
    text = event_text(e, d, codes) or _(SUMMARY.get(e["action"], e["action"]))
    return {
        "update_id": str(e["id"]),
        "service_request_id": report_codes[e["report_id"]],
        "status": UPDATE_STATUS[e["to_status"]],
        "updated_datetime": e["at"],
        "description": text,
        "media_url": photos[0] if photos else None,
        "external_status_code": e["to_status"],
    }
