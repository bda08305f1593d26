"""Form input → the service's bodies, and the service's refusals → a message next to each field."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData, UploadFile

from phananh.errors import DomainError
from phananh.reports import media as media_store

_M = TypeVar("_M", bound=BaseModel)
# A person's words for each field that can be refused (English msgids).
FIELD_MESSAGES = {
    "category": "Choose a category.",
    "description": "Describe what you see.",
    "where": "Mark the place on the map, use your position, or write the address.",
    "reporter": "Give your name and a phone number or email, or choose to report anonymously.",
    "reporter.phone": "The phone number is not valid.",
    "reporter.email": "The email address is not valid.",
    "consent": "Consent to the processing of personal data is required to report with your identity.",
    "files": "Photos must be JPEG, PNG or WebP images within the size limit.",
}
REQUIRED = "Fill in this field."


def text_fields(form: FormData) -> dict[str, str]:
    """What the person typed, stripped, to validate and to show back."""
    return {k: v.strip() for k, v in form.multi_items() if isinstance(v, str) and k != "csrf_token"}


def field_of(loc: list | tuple) -> str:
    parts = [str(p) for p in loc if str(p) not in ("body",)]
    if not parts:
        return "where"  # the model-level check of ReportSubmit: no place given
    if parts[0] == "location":
        return "where"
    return ".".join(parts[:2])


def errors_from_validation(exc: ValidationError, _) -> dict[str, str]:
    out: dict[str, str] = {}
    for e in exc.errors():
        field = field_of(e["loc"])
        out.setdefault(field, _(FIELD_MESSAGES.get(field, REQUIRED)))
    return out


def submit_errors(model: type[_M], body: dict, _) -> tuple[_M | None, dict[str, str]]:
    """Validate a submit body; also report the model-level check (where?) when fields are missing, so that a
    person sees every problem at once (pydantic runs the model check only on valid fields)."""
    try:
        return model.model_validate(body), {}
    except ValidationError as exc:
        errors = errors_from_validation(exc, _)
    filled = {**body, **{f: body.get(f) or "x" for f in ("category", "description")}}
    try:
        model.model_validate(filled)
    except ValidationError as exc:
        for field, text in errors_from_validation(exc, _).items():
            errors.setdefault(field, text)
    return None, errors


def errors_from_api(exc: DomainError, _) -> dict[str, str]:
    """A 422 from the service: per field when it says which, else under `form`."""
    if isinstance(exc.details, dict) and exc.details.get("field"):
        return {exc.details["field"]: _(exc.message, **exc.params)}
    if isinstance(exc.details, list):
        out: dict[str, str] = {}
        for d in exc.details:
            field = field_of(d.get("loc", []))
            out.setdefault(field, _(FIELD_MESSAGES.get(field, REQUIRED)))
        if out:
            return out
    return {"form": _(exc.message, **exc.params)}


async def uploads_from(form: FormData, settings, name: str = "files") -> list[media_store.Upload]:
    files = []
    for value in form.getlist(name):
        if isinstance(value, UploadFile):
            upload = await media_store.accept_upload(value.file, value.filename or name, settings)
            if upload is not None:
                files.append(upload)
    return files


def body_for(model: type[BaseModel], fields: dict[str, str]) -> dict:
    """The subset of the form that the action's body model knows; empty optional text is left out."""
    body: dict[str, bool | int | str] = {}
    for name, info in model.model_fields.items():
        if name not in fields:
            if info.annotation is bool:
                body[name] = False
            continue
        value = fields[name]
        if value == "" and not info.is_required():
            continue
        if info.annotation is bool:
            body[name] = value in ("1", "on", "true")
        elif info.annotation is int:
            body[name] = int(value) if value.isdigit() else value
        else:
            body[name] = value
    return body
