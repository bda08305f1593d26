"""Settings, read from PHANANH_* environment variables."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET_KEY = "dev-secret-change-me"  # the embedded demo's; production refuses it
DEMO_PUBLIC_URL = "http://127.0.0.1:8000"  # `make run`'s address, the base of absolute URLs without public_url


class ProductionSettingsError(SystemExit):
    """PHANANH_ENV=production with unsafe settings: the process stops, saying what to set."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"phananh refuses to start ({len(problems)} setting(s) to fix for PHANANH_ENV=production):\n"
                         + lines)


_warned: list[bool] = []


def check_startup(settings: "Settings") -> None:
    """Refuse unsafe production settings (every problem at once); in development, warn about the default secret."""
    import logging

    if settings.env not in ("development", "production"):
        raise ProductionSettingsError([f"PHANANH_ENV is {settings.env!r}: set \"development\" or \"production\"."])
    if settings.env == "production":
        if problems := settings.production_problems():
            raise ProductionSettingsError(problems)
    elif settings.secret_key == DEFAULT_SECRET_KEY and not _warned:
        _warned.append(True)  # once per process (the CLI and the app it serves share one)
        logging.getLogger("phananh").warning(
            "PHANANH_SECRET_KEY is the built-in development key: fine for the embedded demo, never for real use.")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PHANANH_", env_file=".env", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///var/phananh.db"
    var_dir: Path = Path("var")
    media_dir: Path = Path("var/media")
    redis_url: str | None = None
    secret_key: str = DEFAULT_SECRET_KEY
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

    # --- Abuse limits (phananh.security.limits, issue 11 part 1) ---
    # Each budget `PHANANH_LIMIT_<NAME>` is in the `limits` notation ("5/hour;10/day"); "" switches it off.
    # Counters live in Redis when redis_url is set, else in the database (table rate_counters).
    # Proxies whose X-Forwarded-For is believed (comma list of IPs or CIDRs); empty: the header is ignored.
    trusted_proxies: str = ""
    limit_otp_request_per_phone: str = "1/minute;5/hour;10/day"
    limit_otp_request_per_ip: str = "20/hour"
    limit_otp_verify_failures_per_phone: str = "10/hour"
    # Per-IP budgets only stop floods: thousands of phones share one carrier-grade NAT address.
    limit_submit_per_ip: str = "600/hour;5000/day"
    limit_media_per_ip: str = "4000/hour;20000/day"  # megabytes of uploads (each request rounded up to 1 MB)
    limit_submit_per_account: str = "30/hour;100/day"  # signed-in citizens (staff are not limited)
    limit_media_per_account: str = "500/hour;2000/day"  # megabytes
    limit_open311_per_key: str = "1000/hour;10000/day"  # POST /open311/v2/requests per partner API key

    # --- Tracking without the code (POST /api/v1/track {"code", "phone_last4"}, issue 14 part 1) ---
    # 10,000 possible last-4 digits per report: per code this caps a guesser at ~0.1 % a day; per IP stops sweeps.
    limit_track_per_code: str = "5/15minutes;20/day"
    limit_track_per_ip: str = "60/hour;300/day"

    # --- Tamper evidence (phananh.audit, issue 12 part 4): the sealed hash chain of events ---
    # The scheduler (serve in embedded mode, or `phananh worker`) seals new events this often; 0 turns it off.
    audit_seal_interval_seconds: float = 5.0
    # At most this many events per block (a backlog is sealed as several blocks in one pass).
    audit_block_max_events: int = 10_000
    # PostgreSQL: how long a pass waits for transactions still writing events before it leaves them to the next.
    audit_seal_wait_seconds: float = 5.0

    # --- Clean photos (phananh.reports.derivatives, issue 12 part 2): public derivatives of photos ---
    # The worker (inside serve in embedded mode, or `phananh worker`) makes pending derivatives this often; 0: off.
    derivative_interval_seconds: float = 2.0
    # Photos built per pass (each ~0.2-1 s of CPU in a thread); a failing one is retried with backoff, then failed.
    derivative_batch: int = 4
    derivative_max_attempts: int = 5
    # The public copy's longest side in pixels.
    derivative_max_side: int = 2048

    # --- Citizen's rights and retention (phananh.privacy, issue 12 part 3; Law 91/2025/QH15) ---
    # The reporter's identity (name, phone, email, account) is kept this many years after the report closed
    # (closed, rejected or merged), then replaced by a tombstone; 0 keeps it for ever.
    identity_retention_years: int = 5
    # The worker (inside serve in embedded mode, or `phananh worker`) runs the retention pass this often; 0: off.
    identity_retention_interval_hours: float = 24.0

    # --- Web hardening (phananh.server.middleware.SecurityHeaders, issue 11 part 3) ---
    # Strict-Transport-Security max-age, sent on answers to https requests only; 0: no HSTS header.
    hsts_max_age: int = 31_536_000
    # More image sources for the CSP's img-src (space-separated origins), besides 'self' and the map tile hosts.
    csp_extra_img_src: str = ""

    # --- Deployment (issue 11 parts 7-9): production checks, the public address, one settings object ---
    # The address the public reaches the site at, e.g. https://phananh.example.gov.vn: every absolute URL the app
    # writes (Open311 media_url, links in notifications) starts with it; the request's Host header is never used.
    # Unset (embedded demo): http://127.0.0.1:8000. Required when env is "production".
    public_url: str | None = None
    # Map tiles of the citizen and console maps, and where the map opens: unset, the loaded province pack's map
    # view (province.yaml `map`); set, it overrides the pack (phananh.provinces.site).
    tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    tile_attribution: str = "© OpenStreetMap"
    map_center_lat: float | None = None
    map_center_lon: float | None = None
    map_zoom: int | None = None

    # --- Citizen map (phananh.web.geocode, issue 14 part 4): address search and reverse geocoding ---
    # A Nominatim-compatible base URL (…/search and …/reverse), called by the server only, never by the browser;
    # unset (the default): off, the search box is not shown and no request ever leaves for it.
    geocoder_url: str = ""
    # Each geocoder request gets this long; the User-Agent names the site (Nominatim's usage policy wants one).
    geocoder_timeout_seconds: float = 3.0
    # Identical questions (same words or the same pin to ~1 m, same language) are answered from an in-process
    # cache this long (0: no cache); answers from the cache cost nothing from the budget below.
    geocoder_cache_seconds: float = 3600.0
    # Questions each client address may send on to the geocoder (Nominatim's public server allows 1/second
    # for a whole site; a typing citizen asks a few per minute).
    limit_geocode: str = "30/minute;300/hour"

    # The dashboards' tiles when they differ from the citizen map's; where the dashboard sends a signed-out viewer.
    map_tiles_url: str | None = None
    map_tiles_attribution: str = "© OpenStreetMap"
    login_url: str | None = None
    # Server-sent events: a comment line this often keeps proxies from closing an idle stream.
    live_keepalive_seconds: float = 15.0
    # Open311 (PHANANH_OPEN311_*): the one jurisdiction served (a client may send its id, an alias, or nothing).
    # Unset, the id, contact and key service come from the loaded province pack (province.yaml `open311`).
    open311_jurisdiction_id: str | None = None
    open311_jurisdiction_aliases: list[str] = []
    open311_contact: str | None = None
    open311_key_service: str | None = None
    open311_changeset: str = "2026-11-30T00:00:00+07:00"  # when this endpoint's interface last changed
    open311_endpoint_type: str = "production"

    # --- Operations (phananh.ops, issue 13 parts 3 and 8): probes, metrics, logs, traces, the rules version ---
    # Each check of GET /ready (database, Redis, media) gets this long before it counts as failed.
    ready_timeout_seconds: float = 2.0
    # GET /metrics answers only to clients in these networks (comma list of CIDRs; the TCP peer, never
    # X-Forwarded-For); anyone else gets 404.
    metrics_allow_networks: str = "127.0.0.1/32,::1/128"
    # "text" (make run) or "json" (one JSON object per line with the request id; recommended in production).
    log_format: str = "text"
    # OpenTelemetry traces to this OTLP/HTTP collector, e.g. http://otel-collector:4318 (phananh.ops.tracing; needs
    # the [otel] extra): a span per request and per SQL statement with its text, tagged with the request id.
    # Unset: no tracing, and OpenTelemetry's SDK is never imported.
    otel_endpoint: str | None = None
    # Safety net under the push (PostgreSQL NOTIFY): each process compares its cached directory/calendar/SLA
    # version with the database's at most this often; 0 compares on every use.
    rules_check_seconds: float = 1.0

    # --- Media store (phananh.media_store, issue 13 part 1): where photos and videos live ---
    # file:///abs/path or file://relative/path (a local folder; unset: media_dir), or s3://bucket/prefix (any
    # S3-compatible store, so that every app server sees every file). An upload is in the store before its report
    # commits; with the store down a submit with files answers 503 and writes nothing.
    media_url: str | None = None
    # The S3 endpoint of a store other than AWS (SeaweedFS, MinIO, Ceph...), e.g. http://seaweedfs:8333.
    s3_endpoint_url: str | None = None
    # Credentials and region: the standard AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_REGION variables
    # (no PHANANH_ prefix); unset, the SDK's own chain (~/.aws, instance role).
    aws_access_key_id: str | None = Field(None, validation_alias="aws_access_key_id")
    aws_secret_access_key: SecretStr | None = Field(None, validation_alias="aws_secret_access_key")
    aws_region: str | None = Field(None, validation_alias="aws_region")
    # Each store request's connect and read time limit (one retry); past it an upload answers 503.
    s3_timeout_seconds: float = 10.0

    @property
    def base_url(self) -> str:
        """The site's public address without a trailing slash (public_url, else the embedded demo's)."""
        return (self.public_url or DEMO_PUBLIC_URL).rstrip("/")

    def production_problems(self) -> list[str]:
        """What makes these settings unsafe for production, one line each with the setting that fixes it."""
        problems = []
        if self.secret_key == DEFAULT_SECRET_KEY or len(self.secret_key.encode()) < 32:
            problems.append("PHANANH_SECRET_KEY is the default or shorter than 32 bytes: set a random one "
                            "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`).")
        if self.sms_backend == "log":
            problems.append("PHANANH_SMS_BACKEND is \"log\" (one-time codes written to the log): set it to \"http\" "
                            "with PHANANH_SMS_GATEWAY_URL.")
        if self.database_url.startswith("sqlite"):
            problems.append("PHANANH_DATABASE_URL is SQLite: set a PostgreSQL URL "
                            "(postgresql+asyncpg://user:password@host/db).")
        if not self.public_url:
            problems.append("PHANANH_PUBLIC_URL is unset: set the site's public address "
                            "(e.g. https://phananh.example.gov.vn).")
        elif not self.public_url.startswith("https://"):
            problems.append("PHANANH_PUBLIC_URL does not start with https://: the public site must be served over TLS.")
        return problems

    def mfa_roles(self) -> frozenset[str]:
        """The roles that must enrol a second factor (see `mfa_required_roles`)."""
        if self.mfa_required_roles is None:
            return frozenset({"admin", "dispatcher"}) if self.env == "production" else frozenset()
        return frozenset(r.strip() for r in self.mfa_required_roles.split(",") if r.strip())


@lru_cache
def get_settings() -> Settings:
    return Settings()
