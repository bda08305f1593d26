"""Settings, read from PHANANH_* environment variables."""

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PHANANH_", env_file=".env", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///var/phananh.db"
    var_dir: Path = Path("var")
    media_dir: Path = Path("var/media")
    redis_url: str | None = None
    secret_key: str = "dev-secret-change-me"
    demo_password: str | None = None
    # "log" writes one-time codes to the server log (embedded demo); "http" posts them to sms_gateway_url.
    sms_backend: str = "log"
    sms_gateway_url: str | None = None

    token_ttl_hours: int = 12
    otp_ttl_minutes: int = 10
    max_description_chars: int = 10_000
    max_title_chars: int = 300
    max_photo_bytes: int = 10 * 1024 * 1024
    max_video_bytes: int = 50 * 1024 * 1024
    max_files_per_report: int = 6
    pool_size: int = 10
    pool_max_overflow: int = 10
    close_after_days: int = 7


@lru_cache
def get_settings() -> Settings:
    return Settings()
