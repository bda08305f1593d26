"""Address search and reverse geocoding for the citizen map (issue 14 part 4), through a Nominatim-compatible
server set in `geocoder_url`. Off by default: without it both routes answer 404 and nothing is ever sent.

The browser asks us, never the geocoder: the third party sees the server's address, not the citizen's.

Identical questions are answered from a small in-process cache (`geocoder_cache_seconds`); the others are
charged to the asking address's budget `PHANANH_LIMIT_GEOCODE` (security.limits) before they leave, so one
client cannot spend the site's share of a public geocoder."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Annotated

import httpx
from fastapi import APIRouter, Query

from phananh.errors import ApiError
from phananh.security import limits
from phananh.web.session import PageWeb

router = APIRouter(prefix="/dia-chi", include_in_schema=False)
MAX_RESULTS = 5
CACHE_ENTRIES = 1000
PIN_DECIMALS = 5  # ~1 m: a pin nudged by less asks the same question


class AnswerCache:
    """Least recently used answers, each kept at most `ttl` seconds. One per app (app.state.geocoder_cache);
    the event loop runs one request at a time between awaits, so no lock is needed."""

    def __init__(self, ttl: float, size: int = CACHE_ENTRIES):
        self.ttl, self.size = ttl, size
        self._items: OrderedDict[tuple, tuple[float, object]] = OrderedDict()

    def get(self, key: tuple) -> object | None:
        found = self._items.get(key)
        if found is None:
            return None
        stored_at, answer = found
        if time.monotonic() - stored_at >= self.ttl:
            del self._items[key]
            return None
        self._items.move_to_end(key)
        return answer

    def put(self, key: tuple, answer: object) -> None:
        if self.ttl <= 0:
            return
        self._items[key] = (time.monotonic(), answer)
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


def answer_cache(app) -> AnswerCache:
    cache = getattr(app.state, "geocoder_cache", None)
    if cache is None:
        cache = app.state.geocoder_cache = AnswerCache(app.state.settings.geocoder_cache_seconds)
    return cache


async def _ask(web, path: str, params: dict) -> object:
    request = web.request
    settings = request.app.state.settings
    if not settings.geocoder_url:
        raise ApiError(404, "geocoder_off", "Address search is not available.")
    cache = answer_cache(request.app)
    key = (settings.geocoder_url, path, web.lang,
           tuple(sorted((k, str(v).casefold() if k == "q" else str(v)) for k, v in params.items())))
    cached = cache.get(key)
    if cached is not None:
        return cached
    await limits.hit(request, "geocode", limits.ip_key(request))  # 429 rate_limited when over
    headers = {"User-Agent": f"phananh ({settings.base_url})", "Accept-Language": web.lang}
    try:
        async with httpx.AsyncClient(timeout=settings.geocoder_timeout_seconds) as client:
            answer = await client.get(settings.geocoder_url.rstrip("/") + path,
                                      params={**params, "format": "jsonv2"}, headers=headers)
        answer.raise_for_status()
        found = answer.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise ApiError(502, "geocoder_unavailable", "Address search is not available.") from exc
    cache.put(key, found)  # failures are not kept: the next question tries again
    return found


def _place(item: dict) -> dict | None:
    try:
        return {"address": str(item["display_name"]), "lat": float(item["lat"]), "lon": float(item["lon"])}
    except (KeyError, TypeError, ValueError):
        return None


@router.get("/tim")
async def search_address(web: PageWeb, q: Annotated[str, Query(min_length=3, max_length=200)]):
    """Up to five places for an address typed by the citizen, in the province's country."""
    found = await _ask(web, "/search", {"q": " ".join(q.split()), "limit": MAX_RESULTS, "countrycodes": "vn"})
    items = [p for p in (_place(i) for i in (found if isinstance(found, list) else [])) if p]
    return {"items": items[:MAX_RESULTS]}


@router.get("/vi-tri")
async def reverse_geocode(web: PageWeb, lat: Annotated[float, Query(ge=-90, le=90)],
                          lon: Annotated[float, Query(ge=-180, le=180)]):
    """The address at a pin ({"address": null} when the geocoder knows none)."""
    found = await _ask(web, "/reverse", {"lat": round(lat, PIN_DECIMALS), "lon": round(lon, PIN_DECIMALS), "zoom": 18})
    place = _place(found) if isinstance(found, dict) else None
    return {"address": place["address"] if place else None}
