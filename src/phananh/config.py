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
    # Back-pressure (phananh.server.backpressure): a request waits at most this long for a database
    # connection, then gets 503 + Retry-After; and at most this many requests run at once per process.
    pool_timeout: float = 5.0
    max_in_flight: int = 512
    retry_after_seconds: int = 2
    close_after_days: int = 7
    # SLA sweep and notification delivery (phananh.worker): inside `phananh serve` when run_sweep is true
    # (serve turns it on unless PHANANH_RUN_SWEEP says otherwise), else as `phananh worker`.
    run_sweep: bool = False
    sweep_interval_seconds: float = 20.0
    # Email notifications over SMTP; without smtp_host they are written to the log.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "Phản ánh hiện trường <no-reply@phananh.invalid>"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False


@lru_cache
def get_settings() -> Settings:
    return Settings()
