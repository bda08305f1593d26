"""What the public sees (ARCHITECTURE §5): one rule for the public site, the public REST views, Open311, public
statistics and media.

Nothing of a report is public until the Portal has reviewed it (`make_public`, or `publish` of the result), and
the reporter did not ask to keep it private. Then only its *public view* is shown: the public title, description
and address (the citizen's words as the dispatcher left them after `redact`), a position that is exact for
ordinary categories and snapped to the commune for sensitive ones, public photos, and agencies and roles — never
a staff username. The citizen's original stays for staff and in the submit event.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from sqlalchemy import RowMapping, and_

from phananh.reports.tables import reports
from phananh.workflow import Role, Status

# Without an area centroid a sensitive position is rounded to this grid: 0.005° ≈ 550 m (latitude).
GRID_DEGREES = 0.005
# A result and its photos are public once published (before, the agency's answer is still under review).
RESULT_PUBLIC_STATES = frozenset({Status.published, Status.closed})
# What a citizen writes after the submit (a comment, a rating's comment) is theirs and the Portal's, not the public's.
CITIZEN_TEXT_KEYS = frozenset({"text", "comment"})
# A report as a dict or as a database row (`.mappings()`).
ReportRow = Mapping[str, Any] | RowMapping
PUBLIC_FIELDS = ("public_title", "public_description", "public_address", "public_lat", "public_lon")


def public_clause():
    """SQL: the report is publicly visible (reviewed by the Portal, and not kept private by the reporter)."""
    return and_(reports.c.public_since.is_not(None), reports.c.visibility == "public")


def is_public(r: dict) -> bool:
    """The Python twin of `public_clause` for a report row."""
    return r.get("public_since") is not None and r.get("visibility") == "public"


def snap(lat: float, lon: float, area: dict | None) -> tuple[float, float]:
    """A sensitive position: the commune's centroid, or the nearest point of a ~500 m grid."""
    if area is not None and area.get("lat") is not None and area.get("lon") is not None:
        return area["lat"], area["lon"]
    return _grid(lat), _grid(lon)


def _grid(x: float) -> float:
    return round(math.floor(x / GRID_DEGREES + 0.5) * GRID_DEGREES, 6)


def initial_public_fields(r: ReportRow, *, sensitive: bool, area: dict | None) -> dict:
    """The public view the dispatcher starts from: the citizen's text, the position snapped when sensitive."""
    lat, lon = r.get("lat"), r.get("lon")
    if lat is not None and lon is not None and sensitive:
        lat, lon = snap(lat, lon, area)
    return {"public_title": r.get("title") or "", "public_description": r.get("description") or "",
            "public_address": r.get("address"), "public_lat": lat, "public_lon": lon}


def has_public_fields(r: ReportRow) -> bool:
    """Whether the public view was set (at review or by a redaction); before, it is derived from the original."""
    return r.get("public_title") is not None


def public_fields(r: ReportRow, *, sensitive: bool, area: dict | None) -> dict:
    """The public title, description, address and position of a report row (stored, else derived)."""
    fields = {k: r.get(k) for k in PUBLIC_FIELDS} if has_public_fields(r) \
        else initial_public_fields(r, sensitive=sensitive, area=area)
    if sensitive and fields["public_lat"] is not None and fields["public_lon"] is not None:
        # Applied on every read, so that marking a category sensitive takes effect for reviewed reports too.
        fields["public_lat"], fields["public_lon"] = snap(fields["public_lat"], fields["public_lon"], area)
    return fields


def public_view(r: ReportRow, d) -> dict:
    """The public view of a report row, for any public surface; `d` is the directory."""
    category = d.category_by_id[r["category_id"]]
    area = d.area_by_id.get(r["area_id"])
    fields = public_fields(r, sensitive=bool(category.get("sensitive")), area=area)
    rejected = r["status"] == Status.rejected
    return {
        "title": fields["public_title"] or "",
        # A rejected report's text is withheld (it may be spam or name people); its reason is given instead.
        "description": None if rejected else fields["public_description"],
        "address": fields["public_address"],
        "location": {"lat": fields["public_lat"], "lon": fields["public_lon"]}
        if fields["public_lat"] is not None and fields["public_lon"] is not None else None,
    }


def public_media(items: list[dict], status: str) -> list[dict]:
    """The photos the public may open: the citizen's once reviewed, the result's once published; never videos."""
    show_result = status in RESULT_PUBLIC_STATES
    return [m for m in items if m.get("kind", "photo") == "photo" and (m["purpose"] == "report" or show_result)]


def public_actor(e: dict, d) -> dict:
    """Who acted, as the public and the reporter see it: a role and, for staff, an agency name; never a username.

    `e` may carry `actor_agency_id` (the acting user's agency); else the event's agency stands in for agency roles.
    """
    role = e["actor_role"]
    if role in (Role.citizen, Role.anonymous, Role.system):
        return {"role": role, "agency": None}
    agency_id = e.get("actor_agency_id")
    if agency_id is None and role in (Role.handler, Role.agency_leader):
        agency_id = e.get("agency_id")
    agency = d.agency_by_id.get(agency_id) if d is not None and agency_id is not None else None
    return {"role": role, "agency": agency["name"] if agency else None}
