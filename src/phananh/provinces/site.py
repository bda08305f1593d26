"""What the loaded province pack gives the running site: the map's opening view and the Open311 jurisdiction.

The values come from province.yaml as last loaded (`Directory.province`, cached per process and refreshed on
every rules-version change); a PHANANH_* setting, when set, overrides the pack's value. Before any pack is loaded
the site opens on a neutral view of the whole country and names no province.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from phananh.config import Settings

# No pack loaded: the whole of Viet Nam; the jurisdiction is then the public address's host name.
NEUTRAL_MAP = (16.0, 106.0, 6)


@dataclass(frozen=True)
class Site:
    map_center_lat: float
    map_center_lon: float
    map_zoom: int
    open311_jurisdiction_id: str
    open311_contact: str
    open311_key_service: str
    name: str  # the province's name ("Tỉnh Sông Hậu"), "" before any pack


def site(settings: Settings, province: dict | None) -> Site:
    """The effective values: the setting when set, else the pack's, else the neutral fallback."""
    province = province or {}
    view = province.get("map") or {}
    open311 = province.get("open311") or {}

    def pick(setting, pack_value, fallback):
        if setting is not None and setting != "":
            return setting
        return pack_value if pack_value not in (None, "") else fallback

    return Site(
        map_center_lat=float(pick(settings.map_center_lat, view.get("lat"), NEUTRAL_MAP[0])),
        map_center_lon=float(pick(settings.map_center_lon, view.get("lon"), NEUTRAL_MAP[1])),
        map_zoom=int(pick(settings.map_zoom, view.get("zoom"), NEUTRAL_MAP[2])),
        open311_jurisdiction_id=str(pick(settings.open311_jurisdiction_id, open311.get("jurisdiction_id"),
                                         urlsplit(settings.base_url).hostname or "localhost")),
        open311_contact=str(pick(settings.open311_contact, open311.get("contact"), "")),
        open311_key_service=str(pick(settings.open311_key_service, open311.get("key_service"), "")),
        name=str(province.get("name") or ""),
    )
