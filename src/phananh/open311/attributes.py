"""Service definitions: the extra questions a category asks, and checking a partner's answers to them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from phananh.open311.tables import category_attributes

DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
LIST_TYPES = ("singlevaluelist", "multivaluelist")
MAX_ANSWER_CHARS = 1000


class AnswerError(ValueError):
    """An answer that does not fit its question; the message is an English msgid with `params`."""

    def __init__(self, message: str, **params):
        super().__init__(message)
        self.message, self.params = message, params


async def for_category(conn: AsyncConnection, category_id: int) -> list[dict]:
    rows = (await conn.execute(
        select(category_attributes)
        .where(category_attributes.c.category_id == category_id, category_attributes.c.active.is_(True))
        .order_by(category_attributes.c.position, category_attributes.c.id)
    )).mappings().all()
    return [dict(r) for r in rows]


async def categories_with_attributes(conn: AsyncConnection) -> set[int]:
    rows = await conn.execute(select(category_attributes.c.category_id).where(category_attributes.c.active.is_(True)))
    return {r[0] for r in rows}


def definition_view(attribute: dict, lang: str) -> dict:
    """One attribute as GeoReport shows it, with names in `lang`."""
    en = lang == "en"
    dt_desc = attribute["datatype_description_en" if en else "datatype_description_vi"]
    return {
        "variable": attribute["variable"],
        "code": attribute["code"],
        "datatype": attribute["datatype"],
        "required": attribute["required"],
        "datatype_description": dt_desc or None,
        "order": attribute["position"],
        "description": attribute["description_en" if en else "description_vi"],
        "values": [{"key": v["key"], "name": v["name_en" if en else "name_vi"]} for v in attribute["choices"] or []],
    }


def check_answers(attributes: list[dict], answers: dict[str, list[str]]) -> dict[str, str | list[str]]:
    """The answers kept for a report: required ones present, list keys known, numbers and dates parsable.

    Answers to codes the category does not ask are ignored (clients differ; being liberal costs nothing).
    """
    kept: dict[str, str | list[str]] = {}
    for a in attributes:
        if not a["variable"]:
            continue
        given = [v.strip() for v in answers.get(a["code"], []) if v is not None and v.strip()]
        if not given:
            if a["required"]:
                raise AnswerError("The answer to “{code}” is required.", code=a["code"])
            continue
        if any(len(v) > MAX_ANSWER_CHARS for v in given):
            raise AnswerError("The answer to “{code}” is too long.", code=a["code"])
        kind = a["datatype"]
        if kind in LIST_TYPES:
            keys = {str(v["key"]) for v in a["choices"] or []}
            unknown = [v for v in given if v not in keys]
            if unknown:
                raise AnswerError("“{value}” is not one of the choices for “{code}”.", value=unknown[0], code=a["code"])
            kept[a["code"]] = given if kind == "multivaluelist" else given[0]
            continue
        value = given[0]
        if kind == "number":
            try:
                float(value)
            except ValueError:
                raise AnswerError("The answer to “{code}” must be a number.", code=a["code"])
        elif kind == "datetime":
            try:
                datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                raise AnswerError("The answer to “{code}” must be an ISO 8601 date and time.", code=a["code"])
        kept[a["code"]] = value
    return kept


def answers_text(attributes: list[dict], kept: Mapping[str, str | list[str]], lang: str) -> str:
    """The answers as lines appended to the report description, so that staff read them where they read the rest."""
    lines = []
    for a in attributes:
        if a["code"] not in kept:
            continue
        names: dict[str, str] = {str(v["key"]): v["name_en" if lang == "en" else "name_vi"] for v in a["choices"] or []}
        value = kept[a["code"]]
        shown = ", ".join(names.get(v, v) for v in value) if isinstance(value, list) else names.get(value, value)
        lines.append(f"- {a['description_en' if lang == 'en' else 'description_vi']} {shown}")
    return "\n".join(lines)
