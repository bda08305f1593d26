"""Area boundaries: GeoJSON Polygon / MultiPolygon (lon/lat) checks and point-in-polygon by ray casting.

No GIS dependency: a commune's boundary has at most a few thousand vertices and a province a few dozen communes,
so an even-odd ray cast per ring behind a bounding-box test is fast enough for every submit. The citizen map runs
the same algorithm in the browser (web/static/citizen.js, `inPolygon`).
"""

from __future__ import annotations

from collections.abc import Sequence

Ring = Sequence[Sequence[float]]  # [[lon, lat], ...], closed or not


def boundary_problem(boundary: object) -> str | None:
    """Why `boundary` is not a usable GeoJSON Polygon or MultiPolygon in lon/lat, or None when it is."""
    if not isinstance(boundary, dict):
        return "a GeoJSON object is expected ({type: Polygon|MultiPolygon, coordinates: ...})"
    kind, coords = boundary.get("type"), boundary.get("coordinates")
    if set(boundary) - {"type", "coordinates"}:
        return f"unexpected keys: {', '.join(sorted(set(boundary) - {'type', 'coordinates'}))}"
    polygons: list | None
    if kind == "Polygon":
        polygons = [coords]
    elif kind == "MultiPolygon":
        polygons = coords if isinstance(coords, list) else None
    else:
        return f"type must be Polygon or MultiPolygon, not {kind!r}"
    if not polygons:
        return "coordinates: at least one polygon is needed"
    for p, polygon in enumerate(polygons):
        if not isinstance(polygon, list) or not polygon:
            return f"coordinates: polygon {p}: a list of rings is expected"
        for r, ring in enumerate(polygon):
            where = f"coordinates: polygon {p} ring {r}"
            if not isinstance(ring, list) or len(ring) < 3:
                return f"{where}: at least 3 positions are needed"
            for position in ring:
                if (not isinstance(position, list) or len(position) < 2
                        or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in position[:2])):
                    return f"{where}: positions are [lon, lat] pairs of numbers"
                lon, lat = position[0], position[1]
                if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                    return f"{where}: [{lon}, {lat}] is not a [lon, lat] position (longitude first)"
            distinct = {(pos[0], pos[1]) for pos in ring}
            if len(distinct) < 3:
                return f"{where}: at least 3 distinct positions are needed"
    return None


def polygons(boundary: dict) -> list[list[Ring]]:
    """The boundary as a list of polygons, each a list of rings (the first is the outline, the others holes)."""
    return [boundary["coordinates"]] if boundary["type"] == "Polygon" else list(boundary["coordinates"])


def bbox(boundary: dict) -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat) of the outlines."""
    points = [p for polygon in polygons(boundary) for p in polygon[0]]
    return (min(p[0] for p in points), min(p[1] for p in points), max(p[0] for p in points),
            max(p[1] for p in points))


def _in_ring(lon: float, lat: float, ring: Ring) -> bool:
    """Even-odd ray cast towards +lon; works whether or not the ring repeats its first position."""
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def contains(boundary: dict, lat: float, lon: float) -> bool:
    """Whether the point (lat, lon) lies inside the boundary: inside an outline and outside its holes."""
    for polygon in polygons(boundary):
        if _in_ring(lon, lat, polygon[0]) and not any(_in_ring(lon, lat, hole) for hole in polygon[1:]):
            return True
    return False
