"""The status stepper on the tracking and public pages (issue 14): five plain steps, where the report stands,
what went differently (rejected, merged, returned) and the next deadline as a time of day."""

from __future__ import annotations

from datetime import datetime

from phananh.web.front_door import time_of_day

# (msgid, the statuses at which this step is the current one). English msgids; Vietnamese in the catalog.
STEPS = (
    ("Received at the Portal", ("received", "rejected", "merged")),
    ("Passed to an agency", ("assigned", "returned")),
    ("Being worked on", ("in_progress",)),
    ("Result available", ("resolved",)),
    ("Made public", ("published", "closed")),
)
# What went differently, said at the step where it happened.
DETOURS = {
    "rejected": "Not accepted by the Portal",
    "merged": "Merged into another report on the same problem",
    "returned": "The agency sent it back: the Portal is choosing the right agency",
}
# The next deadline the reporter cares about, in plain words; the 1-hour return window is internal.
PROMISES = {
    "distribute": "The Portal will pass it to the agency in charge {when}.",
    "respond": "The agency will answer {when}.",
    "publish": "The Portal will publish the result {when}.",
}
LATE = "This step is late: it was due {when}."


def stepper(report: dict, *, now: datetime, lang: str, _) -> dict:
    """`steps`: [{label, state: done|current|todo|stopped}], `detour` (text or None), `next` (text or None)."""
    status = report["status"]
    current = next(i for i, (_msgid, states) in enumerate(STEPS) if status in states)
    stopped = status in ("rejected", "merged")
    finished = status in ("published", "closed")
    steps = []
    for i, (msgid, _states) in enumerate(STEPS):
        if i < current or (i == current and finished):
            state = "done"
        elif i == current:
            state = "stopped" if stopped else "current"
        else:
            state = "todo"
        steps.append({"label": _(msgid), "state": state})
    detour = _(DETOURS[status]) if status in DETOURS else None
    return {"steps": steps, "detour": detour, "next": _next_deadline(report, now=now, lang=lang, _=_),
            "current": current}


def flow_for(web, report: dict) -> dict:
    """The stepper of `report` for a page, with its category and commune named in the page's language."""
    d = web.directory
    category = d.categories.get(report["category"], {}) if d else {}
    area = d.areas.get(report.get("area")) if d and report.get("area") else None
    return {**stepper(report, now=web.request.app.state.clock(), lang=web.lang, _=web._),
            "category": category.get("name_en" if web.lang == "en" else "name_vi", report["category"]),
            "area": area["name"] if area else None, "address": report.get("address")}


def _next_deadline(report: dict, *, now: datetime, lang: str, _) -> str | None:
    if report["status"] in ("published", "closed", "rejected", "merged"):
        return None
    for d in report.get("deadlines") or []:
        if d["stage"] in PROMISES and d.get("due_at"):
            when = time_of_day(d["due_at"], now, lang)
            return _(LATE, when=when) if d.get("overdue") or d["due_at"] < now else _(PROMISES[d["stage"]], when=when)
    return None
