"""Address search and reverse geocoding for the citizen map (issue 14 part 4), through a Nominatim-compatible
server set in `geocoder_url`. Off by default: without it both routes answer 404 and nothing is ever sent.

The browser asks us, never the geocoder: the third party sees the server's address, not the citizen's."""

from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import APIRouter, Query

from phananh.errors import ApiError
from phananh.web.session import PageWeb

router = APIRouter(prefix="/dia-chi", include_in_schema=False)
MAX_RESULTS = 5


async def _ask(web, path: str, params: dict) -> object:
    settings = web.request.app.state.settings
    if not settings.geocoder_url:
        raise ApiError(404, "geocoder_off", "Address search is not available.")
    headers = {"User-Agent": f"phananh ({settings.base_url})", "Accept-Language": web.lang}
    try:
        async with httpx.AsyncClient(timeout=settings.geocoder_timeout_seconds) as client:
            answer = await client.get(settings.geocoder_url.rstrip("/") + path,
                                      params={**params, "format": "jsonv2"}, headers=headers)
        answer.raise_for_status()
        return answer.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise ApiError(502, "geocoder_unavailable", "Address search is not available.") from exc


def _place(item: dict) -> dict | None:
    try:
        return {"address": str(item["display_name"]), "lat": float(item["lat"]), "lon": float(item["lon"])}
    except (KeyError, TypeError, ValueError):
        return None


@router.get("/tim")
async def search_address(web: PageWeb, q: Annotated[str, Query(min_length=3, max_length=200)]):
    """Up to five places for an address typed by the citizen, in the province's country."""
    found = await _ask(web, "/search", {"q": q, "limit": MAX_RESULTS, "countrycodes": "vn"})
    items = [p for p in (_place(i) for i in (found if isinstance(found, list) else [])) if p]
    return {"items": items[:MAX_RESULTS]}


@router.get("/vi-tri")
async def reverse_geocode(web: PageWeb, lat: Annotated[float, Query(ge=-90, le=90)],
                          lon: Annotated[float, Query(ge=-180, le=180)]):
    """The address at a pin ({"address": null} when the geocoder knows none)."""
    found = await _ask(web, "/reverse", {"lat": lat, "lon": lon, "zoom": 18})
    place = _place(found) if isinstance(found, dict) else None
    return {"address": place["address"] if place else None}
