"""`phananh province load PATH [--dry-run]`: bring the database in line with a province pack.

The diff is computed against the database (added / changed / deactivated per kind) and applied in the caller's
transaction. Loading the same pack twice changes nothing. Entries missing from the pack are deactivated, never
deleted, since reports refer to them; only routing rules (which merely point somewhere) are removed. Every
directory change bumps the "directory" rules version and every SLA or calendar change the "sla" one, so every
server's caches follow (phananh.ops.rules), and running SLA clocks are recomputed after an SLA/calendar change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from phananh.db import utcnow
from phananh.directory import service as directory
from phananh.directory.tables import agencies, areas, categories, routing_rules
from phananh.open311.tables import category_attributes
from phananh.ops import rules
from phananh.provinces.schema import CalendarEntry, Pack
from phananh.provinces.tables import provinces
from phananh.sla import service as sla
from phananh.sla.calendar import seed_days
from phananh.sla.policy import SlaPolicy
from phananh.sla.tables import calendar_days, sla_policies

KINDS = ("province", "categories", "attributes", "areas", "agencies", "routing", "sla", "calendar")


@dataclass
class Diff:
    """What a load changes: per kind, (action, key, changed fields) entries."""

    entries: dict[str, list[tuple[str, str, tuple[str, ...]]]] = field(default_factory=dict)

    def add(self, kind: str, action: str, key: str, fields: tuple[str, ...] = ()) -> None:
        self.entries.setdefault(kind, []).append((action, key, fields))

    @property
    def empty(self) -> bool:
        return not any(self.entries.values())

    def count(self, kind: str, action: str) -> int:
        return sum(1 for a, _, _ in self.entries.get(kind, []) if a == action)

    def lines(self, limit: int = 12) -> list[str]:
        """Human-readable summary: one line per kind, then up to `limit` entries per kind."""
        if self.empty:
            return ["No changes."]
        out = []
        for kind in KINDS:
            items = self.entries.get(kind, [])
            if not items:
                continue
            counts: dict[str, int] = {}
            for action, _, _ in items:
                counts[action] = counts.get(action, 0) + 1
            out.append(f"{kind}: " + ", ".join(f"{n} {action}" for action, n in counts.items()))
            for action, key, fields in items[:limit]:
                sign = {"added": "+", "deactivated": "-", "removed": "-"}.get(action, "~")
                out.append(f"  {sign} {key}" + (f" ({', '.join(fields)})" if fields else ""))
            if len(items) > limit:
                out.append(f"  … and {len(items) - limit} more")
        return out


def _changed(row, values: dict) -> tuple[str, ...]:
    return tuple(k for k, v in values.items() if row[k] != v)


async def _sync_coded(conn, diff: Diff, kind: str, table, wanted: dict[str, dict], write: bool) -> dict[str, int]:
    """Insert / update rows of a table keyed by `code`; deactivate active rows missing from `wanted`.
    Returns code → id (new rows have no id when not writing)."""
    rows = {r["code"]: r for r in (await conn.execute(select(table))).mappings()}
    new, ids = [], {code: r["id"] for code, r in rows.items()}
    for code, values in wanted.items():
        row = rows.get(code)
        if row is None:
            diff.add(kind, "added", code)
            new.append({"code": code, **values})
            continue
        fields = _changed(row, values)
        if fields:
            diff.add(kind, "reactivated" if fields == ("active",) else "changed", code, fields)
            if write:
                await conn.execute(update(table).where(table.c.id == row["id"]).values(**values))
    for code, row in rows.items():
        if code not in wanted and row["active"]:
            diff.add(kind, "deactivated", code)
            if write:
                await conn.execute(update(table).where(table.c.id == row["id"]).values(active=False))
    if write and new:
        await conn.execute(insert(table), new)
        ids.update((await conn.execute(select(table.c.code, table.c.id).where(
            table.c.code.in_([r["code"] for r in new])))).all())
    return ids


async def sync(conn: AsyncConnection, pack: Pack, *, write: bool, now: datetime | None = None) -> Diff:
    """The diff between the database and `pack`; written through `conn` when `write` (the caller commits)."""
    now = now or utcnow()
    diff = Diff()
    await _sync_province(conn, diff, pack, write, now)
    category_ids = await _sync_coded(conn, diff, "categories", categories, {
        c.code: {"name_vi": c.name_vi, "name_en": c.name_en, "hint_vi": c.hint_vi, "hint_en": c.hint_en,
                 "group_code": c.group, "keywords": list(c.keywords), "out_of_scope": c.out_of_scope,
                 "sensitive": c.sensitive, "active": True}
        for c in pack.categories}, write)
    await _sync_attributes(conn, diff, pack, category_ids, write)
    area_ids = await _sync_coded(conn, diff, "areas", areas, {
        a.code: {"name": a.name, "kind": a.kind, "lat": a.lat, "lon": a.lon, "admin_code": a.admin_code,
                 "boundary": a.boundary, "active": True}
        for a in pack.areas}, write)
    agency_ids = await _sync_agencies(conn, diff, pack, area_ids, write)
    await _sync_routing(conn, diff, pack, category_ids, area_ids, agency_ids, write)
    directory_changed = any(diff.entries.get(k) for k in ("province", "categories", "attributes", "areas",
                                                          "agencies", "routing"))
    await _sync_sla(conn, diff, pack, write, now)
    await _sync_calendar(conn, diff, pack, write, now)
    if write and directory_changed:
        await rules.bump(conn, rules.DIRECTORY)
        directory.invalidate()
    if write and (diff.entries.get("sla") or diff.entries.get("calendar")):
        await rules.bump(conn, rules.SLA)
        sla.invalidate()
        await sla.recompute_all_running(conn)
    return diff


async def load(engine: AsyncEngine, pack: Pack, *, dry_run: bool = False, now: datetime | None = None) -> Diff:
    """Load `pack` in one transaction (nothing is written on a dry run or on an error)."""
    if dry_run:
        async with engine.connect() as conn:
            return await sync(conn, pack, write=False, now=now)
    async with engine.begin() as conn:
        diff = await sync(conn, pack, write=True, now=now)
    directory.invalidate()  # again after commit: no process keeps rules read before it
    sla.invalidate()
    return diff


async def _sync_province(conn, diff: Diff, pack: Pack, write: bool, now: datetime) -> None:
    data = pack.province.model_dump(mode="json")
    row = (await conn.execute(select(provinces).where(provinces.c.code == pack.province.code))).mappings().first()
    if row is None:
        diff.add("province", "added", f"{pack.province.code} v{pack.province.version}")
        if write:
            await conn.execute(insert(provinces).values(code=pack.province.code, version=pack.province.version,
                                                        data=data, loaded_at=now))
    elif row["data"] != data or row["version"] != pack.province.version:
        fields = tuple(k for k in data if row["data"].get(k) != data[k]) or ("version",)
        diff.add("province", "changed", f"{pack.province.code} v{row['version']} → v{pack.province.version}", fields)
        if write:
            await conn.execute(update(provinces).where(provinces.c.id == row["id"]).values(
                version=pack.province.version, data=data, loaded_at=now))


async def _sync_attributes(conn, diff: Diff, pack: Pack, category_ids: dict[str, int], write: bool) -> None:
    by_id = {v: k for k, v in category_ids.items()}
    rows = {(by_id.get(r["category_id"]), r["code"]): r
            for r in (await conn.execute(select(category_attributes))).mappings()}
    new = []
    wanted = set()
    for c in pack.categories:
        for a in c.attributes:
            key = (c.code, a.code)
            wanted.add(key)
            values = {**a.model_dump(mode="json"), "variable": True, "active": True}
            values.pop("code")
            row = rows.get(key)
            if row is None:
                diff.add("attributes", "added", f"{c.code}/{a.code}")
                if write:
                    new.append({"category_id": category_ids[c.code], "code": a.code, **values})
            elif fields := _changed(row, values):
                diff.add("attributes", "changed", f"{c.code}/{a.code}", fields)
                if write:
                    await conn.execute(update(category_attributes).where(category_attributes.c.id == row["id"])
                                       .values(**values))
    for old, row in rows.items():
        if old not in wanted and row["active"]:
            diff.add("attributes", "deactivated", f"{old[0]}/{old[1]}")
            if write:
                await conn.execute(update(category_attributes).where(category_attributes.c.id == row["id"])
                                   .values(active=False))
    if new:
        await conn.execute(insert(category_attributes), new)


async def _sync_agencies(conn, diff: Diff, pack: Pack, area_ids: dict[str, int], write: bool) -> dict[str, int]:
    rows = {r["code"]: r for r in (await conn.execute(select(agencies))).mappings()}
    code_by_id = {r["id"]: code for code, r in rows.items()}
    area_code_by_id = {v: k for k, v in area_ids.items()}
    ids = {code: r["id"] for code, r in rows.items()}
    for a in pack.agencies:  # parents come before children
        values: dict[str, object] = {"name": a.name, "kind": a.kind, "phone": a.phone, "email": a.email, "active": True}
        row = rows.get(a.code)
        if row is None:
            diff.add("agencies", "added", a.code)
        else:
            fields = _changed(row, values)
            if code_by_id.get(row["parent_id"]) != a.parent:
                fields += ("parent",)
            if area_code_by_id.get(row["area_id"]) != a.area:
                fields += ("area",)
            if not fields:
                continue
            diff.add("agencies", "reactivated" if fields == ("active",) else "changed", a.code, fields)
        if write:
            values |= {"parent_id": ids.get(a.parent) if a.parent else None,
                       "area_id": area_ids.get(a.area) if a.area else None}
            if row is None:
                ids[a.code] = (await conn.execute(insert(agencies).values(code=a.code, **values)
                                                  .returning(agencies.c.id))).scalar_one()
            else:
                await conn.execute(update(agencies).where(agencies.c.id == row["id"]).values(**values))
    wanted = {a.code for a in pack.agencies}
    for code, row in rows.items():
        if code not in wanted and row["active"]:
            diff.add("agencies", "deactivated", code)
            if write:
                await conn.execute(update(agencies).where(agencies.c.id == row["id"]).values(active=False))
    return ids


async def _sync_routing(conn, diff: Diff, pack: Pack, category_ids, area_ids, agency_ids, write: bool) -> None:
    cat_code = {v: k for k, v in category_ids.items()}
    area_code = {v: k for k, v in area_ids.items()}
    agency_code = {v: k for k, v in agency_ids.items()}
    existing = {(cat_code.get(r.category_id), area_code.get(r.area_id) if r.area_id else None): (r.id, r.agency_id)
                for r in (await conn.execute(select(routing_rules))).all()}
    wanted = {(c, a): g for c, a, g in pack.rules()}

    def label(key):
        return f"{key[0]} @ {key[1] or '*'}"

    new = []
    for key, agency in wanted.items():
        if key not in existing:
            diff.add("routing", "added", f"{label(key)} → {agency}")
            if write:
                new.append({"category_id": category_ids[key[0]], "area_id": area_ids[key[1]] if key[1] else None,
                            "agency_id": agency_ids[agency]})
        elif agency_code.get(existing[key][1]) != agency:
            diff.add("routing", "changed", f"{label(key)} → {agency}")
            if write:
                await conn.execute(update(routing_rules).where(routing_rules.c.id == existing[key][0])
                                   .values(agency_id=agency_ids[agency]))
    gone = [rule_id for key, (rule_id, _) in existing.items() if key not in wanted]
    for old in (k for k in existing if k not in wanted):
        diff.add("routing", "removed", label(old))
    if write and gone:
        await conn.execute(delete(routing_rules).where(routing_rules.c.id.in_(gone)))
    if write and new:
        await conn.execute(insert(routing_rules), new)


async def _sync_sla(conn, diff: Diff, pack: Pack, write: bool, now: datetime) -> None:
    wanted = SlaPolicy.from_dict({**pack.sla.policy_data(), "version": 0}).to_dict()
    row = (await conn.execute(select(sla_policies.c.version, sla_policies.c.data)
                              .order_by(sla_policies.c.version.desc()).limit(1))).first()
    if row is not None:
        current = SlaPolicy.from_dict(row.data).to_dict()
        if {**current, "version": 0} == wanted:
            return
    version = (row.version if row else 0) + 1
    diff.add("sla", "added" if row is None else "changed", f"policy v{version} ({pack.sla.mode})")
    if write:
        await conn.execute(insert(sla_policies).values(version=version, data={**wanted, "version": version},
                                                       created_at=now, created_by=f"province:{pack.province.code}"))


async def _sync_calendar(conn, diff: Diff, pack: Pack, write: bool, now: datetime) -> None:
    rows = {r["day"]: r for r in (await conn.execute(select(calendar_days))).mappings()}
    national = [d for year in sla.years_around(now.date()) for d in seed_days(year) if d.day not in rows]
    if national:
        diff.add("calendar", "added", f"{len(national)} national days ({pack.calendar.country}, holidays library)")
        if write:
            await conn.execute(insert(calendar_days), [
                {"day": d.day, "kind": d.kind, "name": d.name, "source": d.source, "note": None} for d in national])
    wanted: dict[date, CalendarEntry] = {d.day: d for d in pack.calendar.days}
    for day, d in wanted.items():
        row = rows.get(day)
        values = {"kind": d.kind, "name": d.name, "source": "province", "removed_at": None}
        if row is None:
            diff.add("calendar", "added", f"{day} {d.kind}")
            if write:
                await conn.execute(insert(calendar_days).values(day=day, note=None, changed_at=now,
                                                                changed_by=f"province:{pack.province.code}", **values))
        elif row["source"] == "admin":
            continue  # an admin's decision on that date stands
        elif fields := _changed(row, values):
            diff.add("calendar", "changed", f"{day} {d.kind}", fields)
            if write:
                await conn.execute(update(calendar_days).where(calendar_days.c.id == row["id"]).values(
                    changed_at=now, changed_by=f"province:{pack.province.code}", **values))
    for day, row in rows.items():
        if row["source"] == "province" and day not in wanted and row["removed_at"] is None:
            diff.add("calendar", "removed", f"{day} {row['kind']}")
            if write:
                await conn.execute(update(calendar_days).where(calendar_days.c.id == row["id"]).values(
                    removed_at=now, changed_at=now, changed_by=f"province:{pack.province.code}"))


async def loaded_province(conn: AsyncConnection) -> dict | None:
    """province.yaml's content as last loaded (the most recently loaded pack), or None."""
    row = (await conn.execute(select(provinces.c.data).order_by(provinces.c.loaded_at.desc(), provinces.c.id.desc())
                              .limit(1))).first()
    return row[0] if row else None


async def count_rows(conn: AsyncConnection, table) -> int:
    return (await conn.execute(select(func.count()).select_from(table))).scalar_one()
