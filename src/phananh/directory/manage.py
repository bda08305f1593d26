"""Editing the reference data (admin pages): categories, agencies, areas, routing rules.

Nothing is deleted except a routing rule (which only points elsewhere); categories and agencies are
deactivated instead. Every change bumps the "directory" rules version in its transaction (every server's cache
follows it, phananh.ops.rules) and clears this process's cache.
"""

from __future__ import annotations

import re

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from phananh.directory.service import invalidate, load
from phananh.directory.tables import agencies, areas, categories, routing_rules
from phananh.domain_errors import InvalidInput, NotFound
from phananh.ops import rules

CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
AGENCY_KINDS = ("province", "department", "police", "military", "commune")
AREA_KINDS = ("xa", "phuong", "dac-khu")  # commune, ward, special zone


def _check_code(code: str) -> None:
    if not CODE.match(code or ""):
        raise InvalidInput("invalid_code", "Use lower-case letters, digits and hyphens.", details={"field": "code"})


def _required(**values: str | None) -> None:
    for name, value in values.items():
        if not (value or "").strip():
            raise InvalidInput("required", "Fill in this field.", details={"field": name})


async def _save(conn: AsyncConnection, table, code: str, values: dict, *, new: bool) -> None:
    exists = (await conn.execute(select(table.c.id).where(table.c.code == code))).first()
    if new and exists:
        raise InvalidInput("code_taken", "This code is already used.", details={"field": "code"})
    if not new and not exists:
        raise NotFound("not_found", "Not found: {what}", what=code)
    if exists is None:  # new (checked above)
        await conn.execute(insert(table).values(code=code, **values))
    else:
        await conn.execute(update(table).where(table.c.id == exists.id).values(**values))
    await rules.bump(conn, rules.DIRECTORY)
    invalidate()


async def save_category(conn: AsyncConnection, *, code: str, name_vi: str, name_en: str, hint_vi: str = "",
                        hint_en: str = "", group_code: str = "khac", active: bool = True, sensitive: bool = False,
                        new: bool) -> None:
    """`sensitive`: the public position of its reports is snapped to the commune (reports/visibility.py)."""
    _check_code(code)
    _required(name_vi=name_vi, name_en=name_en)
    await _save(conn, categories, code, dict(name_vi=name_vi, name_en=name_en, hint_vi=hint_vi, hint_en=hint_en,
                                             group_code=group_code or "khac", active=active, sensitive=sensitive,
                                             **({"keywords": []} if new else {})), new=new)


async def save_agency(conn: AsyncConnection, *, code: str, name: str, kind: str, parent: str | None = None,
                      area: str | None = None, phone: str | None = None, email: str | None = None,
                      active: bool = True, new: bool) -> None:
    _check_code(code)
    _required(name=name)
    if kind not in AGENCY_KINDS:
        raise InvalidInput("invalid_kind", "Choose a kind.", details={"field": "kind"})
    d = await load(conn)
    parent_row = d.agencies.get(parent) if parent else None
    if parent and (parent_row is None or parent == code or code in _ancestors(d, parent_row)):
        raise InvalidInput("invalid_parent", "Choose another parent agency.", details={"field": "parent"})
    area_row = d.areas.get(area) if area else None
    await _save(conn, agencies, code, dict(name=name, kind=kind, parent_id=parent_row["id"] if parent_row else None,
                                           area_id=area_row["id"] if area_row else None, phone=phone or None,
                                           email=email or None, active=active), new=new)


def _ancestors(d, agency: dict) -> set[str]:
    out, row = set(), agency
    while row and row["parent_id"]:
        row = d.agency_by_id.get(row["parent_id"])
        if row is None or row["code"] in out:
            break
        out.add(row["code"])
    return out


async def save_area(conn: AsyncConnection, *, code: str, name: str, kind: str, lat: float | None = None,
                    lon: float | None = None, new: bool) -> None:
    _check_code(code)
    _required(name=name)
    if kind not in AREA_KINDS:
        raise InvalidInput("invalid_kind", "Choose a kind.", details={"field": "kind"})
    if (lat is None) != (lon is None) or (lat is not None and lon is not None
                                         and not (-90 <= lat <= 90 and -180 <= lon <= 180)):
        raise InvalidInput("invalid_position", "Give both latitude and longitude, or neither.",
                           details={"field": "lat"})
    await _save(conn, areas, code, dict(name=name, kind=kind, lat=lat, lon=lon), new=new)


async def set_routing_rule(conn: AsyncConnection, *, category: str, area: str | None, agency: str) -> None:
    """Reports of `category` in `area` (or anywhere without an area rule, when `area` is None) go to `agency`."""
    d = await load(conn)
    for field, value, table in (("category", category, d.categories), ("agency", agency, d.agencies)):
        if value not in table:
            raise InvalidInput("required", "Fill in this field.", details={"field": field})
    if area and area not in d.areas:
        raise InvalidInput("unknown_area", "Unknown area: {code}.", details={"field": "area"}, code=area)
    category_id, area_id = d.categories[category]["id"], d.areas[area]["id"] if area else None
    agency_id = d.agencies[agency]["id"]
    where = (routing_rules.c.category_id == category_id) & (
        routing_rules.c.area_id == area_id if area_id else routing_rules.c.area_id.is_(None))
    existing = (await conn.execute(select(routing_rules.c.id).where(where))).first()
    if existing:
        await conn.execute(update(routing_rules).where(routing_rules.c.id == existing.id).values(agency_id=agency_id))
    else:
        await conn.execute(insert(routing_rules).values(category_id=category_id, area_id=area_id, agency_id=agency_id))
    await rules.bump(conn, rules.DIRECTORY)
    invalidate()


async def delete_routing_rule(conn: AsyncConnection, rule_id: int) -> None:
    await conn.execute(delete(routing_rules).where(routing_rules.c.id == rule_id))
    await rules.bump(conn, rules.DIRECTORY)
    invalidate()


async def list_routing_rules(conn: AsyncConnection) -> list[dict]:
    return [dict(r) for r in (await conn.execute(select(routing_rules).order_by(routing_rules.c.category_id,
                                                                                 routing_rules.c.area_id))).mappings()]
