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

    # --- Staff sign-in (phananh.auth, issue 11): lockout, second factor, idle sessions ---
    # "development" or "production"; production makes the second factor mandatory for admins and dispatchers.
    env: str = "development"
    # N wrong passwords (or codes) on one account within the window lock it; each new lock lasts twice
    # the previous one, up to the maximum. The right password gets 429 too while locked.
    login_max_failures: int = 5
    login_failure_window_minutes: int = 15
    login_lock_minutes: int = 15
    login_lock_max_minutes: int = 24 * 60
    # Failed sign-ins per client IP (phananh.security.limits budget "login_failures_per_ip").
    limit_login_failures_per_ip: str = "30/hour"
    # Roles that must sign in with TOTP, comma separated; unset: "admin,dispatcher" in production, none otherwise.
    mfa_required_roles: str | None = None
    # A staff session (token or cookie) unused this long is over.
    session_idle_minutes: int = 30

    # --- Request size and uploads (server.middleware, reports.photos/videos, issue 11 parts 4-5) ---
    # Body caps per route, enforced as the body streams in (413 past them): sign-in, OTP and JSON actions;
    # the JSON submit; anything else not listed in server.middleware's table.
    max_small_body_bytes: int = 64 * 1024
    max_json_submit_bytes: int = 256 * 1024
    max_default_body_bytes: int = 1024 * 1024
    # Photos: more pixels than this are refused (415) before decoding; stored re-encoded as JPEG, longest side at most.
    max_photo_pixels: int = 40_000_000
    photo_max_side: int = 4096
    photo_jpeg_quality: int = 85
    # Videos: checked with ffprobe (a real MP4/MOV with a video stream), at most this long; ffprobe's time limit.
    max_video_seconds: float = 120.0
    ffprobe_timeout_seconds: float = 15.0

    # --- Tamper evidence (phananh.audit, issue 12 part 4): the sealed hash chain of events ---
    # The scheduler (serve in embedded mode, or `phananh worker`) seals new events this often; 0 turns it off.
    audit_seal_interval_seconds: float = 5.0
    # At most this many events per block (a backlog is sealed as several blocks in one pass).
    audit_block_max_events: int = 10_000
    # PostgreSQL: how long a pass waits for transactions still writing events before it leaves them to the next.
    audit_seal_wait_seconds: float = 5.0

    def mfa_roles(self) -> frozenset[str]:
        """The roles that must enrol a second factor (see `mfa_required_roles`)."""
        if self.mfa_required_roles is None:
            return frozenset({"admin", "dispatcher"}) if self.env == "production" else frozenset()
        return frozenset(r.strip() for r in self.mfa_required_roles.split(",") if r.strip())


@lru_cache
def get_settings() -> Settings:
    return Settings()
