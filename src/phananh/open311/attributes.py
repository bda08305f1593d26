"""Service definitions: the extra questions a category asks, and checking a partner's answers to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from phananh.directory.tables import categories
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


def answers_text(attributes: list[dict], kept: dict, lang: str) -> str:
    """The answers as lines appended to the report description, so that staff read them where they read the rest."""
    lines = []
    for a in attributes:
        if a["code"] not in kept:
            continue
        names = {str(v["key"]): v["name_en" if lang == "en" else "name_vi"] for v in a["choices"] or []}
        value = kept[a["code"]]
        shown = ", ".join(names.get(v, v) for v in value) if isinstance(value, list) else names.get(value, value)
        lines.append(f"- {a['description_en' if lang == 'en' else 'description_vi']} {shown}")
    return "\n".join(lines)


# Cà Mau's demo questions, per category code (province data: another province brings its own).
def _choice(key: str, vi: str, en: str) -> dict:
    return {"key": key, "name_vi": vi, "name_en": en}


DEMO_ATTRIBUTES: dict[str, list[dict]] = {
    "giao-thong": [
        dict(code="muc-do", datatype="singlevaluelist", required=True, position=1,
             description_vi="Mức độ nguy hiểm cho người đi đường?", description_en="How dangerous is it for road users?",
             choices=[_choice("thap", "Ít nguy hiểm", "Minor"), _choice("cao", "Nguy hiểm", "Dangerous"),
                      _choice("khan-cap", "Rất nguy hiểm, cần xử lý ngay", "Very dangerous, needs action now")]),
        dict(code="phuong-tien", datatype="multivaluelist", required=False, position=2,
             description_vi="Phương tiện bị ảnh hưởng?", description_en="Which vehicles are affected?",
             choices=[_choice("xe-may", "Xe máy", "Motorbikes"), _choice("o-to", "Ô tô", "Cars"),
                      _choice("di-bo", "Người đi bộ", "Pedestrians")]),
        dict(code="kich-thuoc", datatype="number", required=False, position=3,
             description_vi="Kích thước ước tính (mét)?", description_en="Estimated size (metres)?",
             datatype_description_vi="Một con số, ví dụ 1.5", datatype_description_en="A number, e.g. 1.5"),
    ],
    "dien-chieu-sang": [
        dict(code="ma-cot", datatype="string", required=False, position=1,
             description_vi="Số hiệu cột đèn (nếu thấy)?", description_en="Lamp post number (if visible)?"),
        dict(code="tu-luc", datatype="datetime", required=False, position=2,
             description_vi="Đèn hỏng từ khi nào?", description_en="Since when has it been out?",
             datatype_description_vi="Ngày giờ ISO 8601, ví dụ 2026-12-01T19:00:00+07:00",
             datatype_description_en="ISO 8601 date and time, e.g. 2026-12-01T19:00:00+07:00"),
    ],
    "ve-sinh-moi-truong": [
        dict(code="mo-ta-mui", datatype="text", required=False, position=1,
             description_vi="Mô tả mùi, màu nước hoặc khói (nếu có)?", description_en="Smell, water colour or smoke (if any)?"),
    ],
}


async def seed_demo_attributes(conn: AsyncConnection) -> int:
    """Insert the demo questions for the categories that exist and have none yet."""
    ids = dict((await conn.execute(select(categories.c.code, categories.c.id))).all())
    asked = {r[0] for r in await conn.execute(select(category_attributes.c.category_id))}
    rows = [
        {"category_id": ids[code], "variable": True, "datatype_description_vi": None, "datatype_description_en": None,
         "choices": [], "active": True, **spec}
        for code, specs in DEMO_ATTRIBUTES.items() if code in ids and ids[code] not in asked
        for spec in specs
    ]
    if rows:
        await conn.execute(insert(category_attributes), rows)
    return len(rows)
