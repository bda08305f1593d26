"""Reference data lookups. The directory is small and read on every submit, so each process caches it, for as
long as it holds the current "directory" rules version (phananh.ops.rules: every server sees a change within 1 s)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from phananh.directory import geometry
from phananh.directory.tables import agencies, areas, categories, routing_rules
from phananh.ops import rules
from phananh.provinces.tables import provinces


@dataclass
class Directory:
    categories: dict[str, dict] = field(default_factory=dict)  # by code
    areas: dict[str, dict] = field(default_factory=dict)
    agencies: dict[str, dict] = field(default_factory=dict)
    category_by_id: dict[int, dict] = field(default_factory=dict)
    area_by_id: dict[int, dict] = field(default_factory=dict)
    agency_by_id: dict[int, dict] = field(default_factory=dict)
    routes: dict[tuple[int, int | None], int] = field(default_factory=dict)
    # province.yaml of the loaded province pack (names, map view, Open311, category groups); {} before any load
    province: dict = field(default_factory=dict)
    version: int = 0  # the rules version it was read at
    _centres: list[tuple[float, float, dict]] | None = field(default=None, repr=False)
    _shapes: list[tuple[tuple[float, float, float, float], dict]] | None = field(default=None, repr=False)

    def area_at(self, lat: float, lon: float, max_km: float = 60.0) -> dict | None:
        """The commune of a pin: the active area whose boundary contains it where boundaries are known (the
        province pack's `boundary`), else the nearest centre (`nearest_area`)."""
        if self._shapes is None:
            self._shapes = [(geometry.bbox(a["boundary"]), a) for a in self.areas.values()
                            if a.get("boundary") and a.get("active", True)]
        for (west, south, east, north), area in self._shapes:
            if west <= lon <= east and south <= lat <= north and geometry.contains(area["boundary"], lat, lon):
                return area
        return self.nearest_area(lat, lon, max_km)

    def nearest_area(self, lat: float, lon: float, max_km: float = 60.0) -> dict | None:
        """The area whose centre is nearest, within `max_km`. Ranked on a local flat projection (exact to a
        fraction of a percent over a province, and ten times cheaper than haversine for each of 64 communes:
        it runs on every submit), then checked with the great-circle distance."""
        if self._centres is None:
            self._centres = [(a["lat"], a["lon"], a) for a in self.areas.values()
                             if a["lat"] is not None and a.get("active", True)]
        k = math.cos(math.radians(lat)) ** 2
        # A plain loop rather than min() with a key function: no call per commune (issue 13's profile). The
        # first of equally near centres wins, as with min().
        best, nearest = None, math.inf
        for centre in self._centres:
            dy, dx = centre[0] - lat, centre[1] - lon
            d = dy * dy + k * dx * dx
            if d < nearest:
                best, nearest = centre, d
        if best is None or _km(lat, lon, best[0], best[1]) >= max_km:
            return None
        return best[2]

    def suggest_agency(self, category_id: int, area_id: int | None, *, skip: frozenset[int] = frozenset()) -> dict | None:
        """The routing rule's agency: the area's rule, else the category's province-wide rule. Agencies in `skip`
        (those that returned the report) are passed over: the next rule's agency, else no suggestion."""
        for key in ((category_id, area_id), (category_id, None)):
            agency_id = self.routes.get(key)
            if agency_id and agency_id not in skip:
                return self.agency_by_id.get(agency_id)
        return None

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
    version = await rules.version_to_use(conn, rules.DIRECTORY, cached.version if cached else None)
    if cached and cached.version == version:
        return cached
    d = Directory(version=version)
    for row in (await conn.execute(select(categories))).mappings():
        d.categories[row["code"]] = d.category_by_id[row["id"]] = dict(row)
    for row in (await conn.execute(select(areas))).mappings():
        d.areas[row["code"]] = d.area_by_id[row["id"]] = dict(row)
    for row in (await conn.execute(select(agencies))).mappings():
        d.agencies[row["code"]] = d.agency_by_id[row["id"]] = dict(row)
    for row in (await conn.execute(select(routing_rules))).mappings():
        d.routes[(row["category_id"], row["area_id"])] = row["agency_id"]
    latest = (await conn.execute(select(provinces.c.data).order_by(provinces.c.loaded_at.desc(), provinces.c.id.desc())
                                 .limit(1))).first()
    d.province = latest[0] if latest else {}
    _cache[key] = d
    return d
