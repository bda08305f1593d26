"""Open311 settings, read from PHANANH_OPEN311_* environment variables (they concern this interface only)."""

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Open311Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PHANANH_OPEN311_", env_file=".env", extra="ignore")

    # We serve one jurisdiction; a client may send this id, one of the aliases, or nothing.
    jurisdiction_id: str = "camau.gov.vn"
    jurisdiction_aliases: list[str] = []
    contact: str = "Cổng Thông tin điện tử tỉnh Cà Mau — cttdt@camau.gov.vn"
    key_service: str = "Đối tác xin khóa API (api_key) qua Cổng Thông tin điện tử tỉnh: cttdt@camau.gov.vn"
    # When this endpoint's interface last changed (discovery `changeset`).
    changeset: str = "2026-11-30T00:00:00+07:00"
    endpoint_type: str = "production"


@lru_cache
def get_open311_settings() -> Open311Settings:
    return Open311Settings()
