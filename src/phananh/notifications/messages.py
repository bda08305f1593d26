"""The words of each notification, through the gettext catalogs (English msgids; Vietnamese by default)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from phananh.i18n import gettext as _
from phananh.reports.codes import report_code
from phananh.sla.calendar import TZ

SMS_MAX_CHARS = 300

STAGE_NAMES = {
    "distribute": "distribution",
    "return": "the return window",
    "respond": "the first response",
    "publish": "publishing the result",
}


@dataclass(frozen=True)
class Text:
    subject: str
    body: str
    sms: str  # one short line: SMS costs by length


def reporter_language(report: dict) -> str:
    return "en" if report.get("language") == "en" else "vi"


def _about(report: dict) -> dict:
    title = (report.get("title") or "").strip() or " ".join((report.get("description") or "").split())[:80]
    return {"code": report_code(report["id"], report["created_at"]), "title": title}


def _text(subject: str, lines: list[str], about: dict) -> Text:
    sms = f"{subject}: {about['title']}" if about["title"] else subject
    return Text(subject=subject, body="\n".join(line for line in lines if line), sms=sms[:SMS_MAX_CHARS])


def _optional(msgid: str, lang: str, **params) -> str:
    return _(msgid, lang, **params) if all(params.values()) else ""


def _local(moment: datetime) -> str:
    return moment.astimezone(TZ).strftime("%H:%M %d/%m/%Y")


def assigned(report: dict, *, agency: str, note: str | None, lang: str = "vi") -> Text:
    a = _about(report)
    return _text(_("[{code}] New report for your agency", lang, **a), [
        _("Report {code} “{title}” has been assigned to {agency}.", lang, agency=agency, **a),
        _optional("Address: {address}", lang, address=report.get("address")),
        _optional("Note from the Portal: {note}", lang, note=note),
    ], a)


def returned(report: dict, *, agency: str, reason: str | None, lang: str = "vi") -> Text:
    a = _about(report)
    return _text(_("[{code}] Report returned to the Portal", lang, **a), [
        _("{agency} returned report {code} “{title}”.", lang, agency=agency, **a),
        _optional("Reason: {reason}", lang, reason=reason),
    ], a)


def urgent(report: dict, *, reason: str | None, lang: str = "vi") -> Text:
    a = _about(report)
    return _text(_("[{code}] URGENT report for your agency", lang, **a), [
        _("Report {code} “{title}” has been flagged urgent: please direct its handling at once.", lang, **a),
        _optional("Address: {address}", lang, address=report.get("address")),
        _optional("Reason: {reason}", lang, reason=reason),
    ], a)


def at_risk(report: dict, *, stage: str, due: datetime, lang: str = "vi") -> Text:
    a = _about(report)
    step = _(STAGE_NAMES[stage], lang)
    return _text(_("[{code}] Deadline near: {stage}", lang, stage=step, **a), [
        _("The deadline for {stage} of report {code} “{title}” is {due}.", lang, stage=step, due=_local(due), **a),
    ], a)


def overdue(report: dict, *, stage: str, due: datetime, lang: str = "vi") -> Text:
    a = _about(report)
    step = _(STAGE_NAMES[stage], lang)
    return _text(_("[{code}] Overdue: {stage}", lang, stage=step, **a), [
        _("The deadline for {stage} of report {code} “{title}” passed at {due}.", lang, stage=step,
          due=_local(due), **a),
    ], a)


def responded(report: dict, *, message: str, lang: str) -> Text:
    a = _about(report)
    return _text(_("Your report {code} has a response", lang, **a), [
        _("Your report {code} “{title}” has received a response from the handling agency:", lang, **a),
        message,
        _("Thank you for your report.", lang),
    ], a)


def published(report: dict, *, result: str | None, lang: str) -> Text:
    a = _about(report)
    return _text(_("Your report {code} has been handled", lang, **a), [
        _("The result of your report {code} “{title}”:", lang, **a),
        result or "",
        _("Thank you for your report.", lang),
    ], a)


def rejected(report: dict, *, reason: str | None, lang: str) -> Text:
    a = _about(report)
    return _text(_("Your report {code} was not accepted", lang, **a), [
        _("Your report {code} “{title}” was not accepted.", lang, **a),
        _optional("Reason: {reason}", lang, reason=reason),
        _("Thank you for your report.", lang),
    ], a)
