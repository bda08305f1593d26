"""Reference data lookups. The directory is small and read on every submit, so each process caches it."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from phananh.directory.tables import agencies, areas, categories, routing_rules

CACHE_SECONDS = 30.0


@dataclass
class Directory:
    categories: dict[str, dict] = field(default_factory=dict)  # by code
    areas: dict[str, dict] = field(default_factory=dict)
    agencies: dict[str, dict] = field(default_factory=dict)
    category_by_id: dict[int, dict] = field(default_factory=dict)
    area_by_id: dict[int, dict] = field(default_factory=dict)
    agency_by_id: dict[int, dict] = field(default_factory=dict)
    routes: dict[tuple[int, int | None], int] = field(default_factory=dict)
    loaded_at: float = 0.0

    def nearest_area(self, lat: float, lon: float, max_km: float = 60.0) -> dict | None:
        best, best_km = None, max_km
        for area in self.areas.values():
            if area["lat"] is None:
                continue
            km = _km(lat, lon, area["lat"], area["lon"])
            if km < best_km:
                best, best_km = area, km
        return best

    def suggest_agency(self, category_id: int, area_id: int | None) -> dict | None:
        agency_id = self.routes.get((category_id, area_id)) or self.routes.get((category_id, None))
        return self.agency_by_id.get(agency_id) if agency_id else None

    def agency_subtree(self, agency_id: int) -> set[int]:
        ids, frontier = {agency_id}, [agency_id]
        while frontier:
            parent = frontier.pop()
            for a in self.agency_by_id.values():
                if a["parent_id"] == parent and a["id"] not in ids:
                    ids.add(a["id"])
                    frontier.append(a["id"])
        return ids


def _km(lat1, lon1, lat2, lon2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


_cache: dict[int, Directory] = {}


def invalidate() -> None:
    _cache.clear()


async def load(conn: AsyncConnection) -> Directory:
    key = id(conn.engine.sync_engine)
    cached = _cache.get(key)
    if cached and time.monotonic() - cached.loaded_at < CACHE_SECONDS:
        return cached
    d = Directory(loaded_at=time.monotonic())
    for row in (await conn.execute(select(categories))).mappings():
        d.categories[row["code"]] = d.category_by_id[row["id"]] = dict(row)
    for row in (await conn.execute(select(areas))).mappings():
        d.areas[row["code"]] = d.area_by_id[row["id"]] = dict(row)
    for row in (await conn.execute(select(agencies))).mappings():
        d.agencies[row["code"]] = d.agency_by_id[row["id"]] = dict(row)
    for row in (await conn.execute(select(routing_rules))).mappings():
        d.routes[(row["category_id"], row["area_id"])] = row["agency_id"]
    _cache[key] = d
    return d
