"""Settings of the web interfaces, read from PHANANH_* environment variables like the core settings."""

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PHANANH_", env_file=".env", extra="ignore")

    # Map tiles for Leaflet; the map stays usable (pin by tap, commune list) when they cannot load.
    tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    tile_attribution: str = "© OpenStreetMap"
    # Where the map opens when there is no position yet (Cà Mau city).
    map_center_lat: float = 9.1769
    map_center_lon: float = 105.1524
    map_zoom: int = 12


@lru_cache
def get_web_settings() -> WebSettings:
    return WebSettings()
