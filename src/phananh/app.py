"""The ASGI application: wiring only."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from phananh import __version__, live, web
from phananh import dashboard as dashboard_pages
from phananh.api import openapi
from phananh.audit.pages import router as audit_pages
from phananh.auth.routes import router as auth_router
from phananh.config import Settings, check_startup, get_settings
from phananh.db import create_engine, utcnow
from phananh.directory.routes import router as directory_router
from phananh.errors import install_error_handlers
from phananh.exports.routes import router as exports_router
from phananh.logs import install_redaction
from phananh.notifications.routes import router as notifications_router
from phananh.open311.api import router as open311_router
from phananh.ops import health as ops_health
from phananh.ops import logging as ops_logging
from phananh.ops import metrics as ops_metrics
from phananh.ops import rules as ops_rules
from phananh.ops import tracing as ops_tracing
from phananh.privacy.pages import router as privacy_pages
from phananh.privacy.routes import router as privacy_router
from phananh.reports.routes import router as reports_router
from phananh.security import limits as rate_limits
from phananh.server.backpressure import install_backpressure
from phananh.server.body_limits import BodyLimits
from phananh.server.middleware import LanguageAndSizeLimit, SecurityHeaders
from phananh.sla.routes import router as sla_router
from phananh.stats.routes import router as stats_router
from phananh.worker import EmbeddedScheduler

log = logging.getLogger("phananh")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    install_redaction()  # API keys in query strings never reach a log line (phananh.logs)
    check_startup(settings)  # PHANANH_ENV=production refuses unsafe settings, listing each one
    rate_limits.check_settings(settings)  # a malformed PHANANH_LIMIT_* stops the start, not the first request
    ops_logging.configure(settings.log_format)  # JSON lines with the request id when log_format=json
    ops_rules.configure(settings)  # how often each process re-reads the rules versions (its safety net)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        settings.media_dir.mkdir(parents=True, exist_ok=True)
        from phananh.media_store import store_for

        # The media store's client is built now (an S3 client takes ~1 s), and a bad PHANANH_MEDIA_URL stops here.
        await asyncio.to_thread(store_for, settings)
        app.state.engine = create_engine(settings.database_url, pool_size=settings.pool_size,
                                         max_overflow=settings.pool_max_overflow, pool_timeout=settings.pool_timeout)
        ops_tracing.trace_engine(app, app.state.engine)  # statements as spans, when tracing is on
        from phananh.demo.marker import refuse_demo_in_production

        await refuse_demo_in_production(app.state.engine, settings.env)  # production never serves demo data
        live.hub(app)  # every change committed through this engine is published from one hook (live/after_commit)
        scheduler = EmbeddedScheduler(app) if settings.run_sweep else None  # SLA sweep + notification delivery
        stop_pool_metrics = asyncio.Event()
        pool_metrics = asyncio.create_task(ops_metrics.pool_recorder(app.state.engine, stop_pool_metrics))
        yield
        stop_pool_metrics.set()
        await pool_metrics
        await ops_rules.stop(app.state.engine)  # the rules listener's connection (PostgreSQL)
        if scheduler is not None:
            await scheduler.stop()
        await live.close(app)
        await rate_limits.close(app)
        await app.state.engine.dispose()
        ops_tracing.shutdown(app)  # what is still buffered goes to the collector

    app = FastAPI(
        title="Phản ánh hiện trường API",
        version=__version__,
        description="REST API v1 of the field-report system (ARCHITECTURE §6).",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # our own page (api/openapi.py): Swagger UI from vendored files, no inline script
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.clock = utcnow
    install_error_handlers(app)
    openapi.install(app)

    app.add_middleware(LanguageAndSizeLimit, limits=BodyLimits(settings))  # body caps per route

    api = APIRouter(prefix="/api/v1")
    api.include_router(reports_router)  # first: FastAPI tries routes in order, and submit is the hot path
    api.include_router(auth_router)
    api.include_router(directory_router)
    api.include_router(stats_router)
    api.include_router(exports_router)
    api.include_router(sla_router)
    api.include_router(notifications_router)
    api.include_router(privacy_router)  # /me/data, /me/erase, /me/identity-reads (Law 91/2025)

    @api.get("/health", tags=["meta"])
    async def health():
        return {"status": "ok", "version": __version__}

    app.include_router(api)
    ops_health.install(app)  # /health (alive) and /ready (database, Redis, media) for the balancer
    from phananh import media_store

    if not media_store.media_url(settings).startswith("file:"):  # media in a bucket: /ready asks the bucket
        ops_health.register_check(app, "media", media_store.ready_check)
    ops_metrics.install(app)  # /metrics, to metrics_allow_networks only
    dashboard_pages.mount(app)  # /dashboard, /thong-ke and their static files
    app.include_router(open311_router)  # /open311/v2 and /api/v1/admin/api-keys
    app.include_router(audit_pages)  # /admin/nhat-ky, before web's /admin/{entity}
    app.include_router(privacy_pages)  # /cua-toi/ai-da-xem, /cua-toi/xoa-thong-tin
    web.install(app)  # the people's pages: /, /portal, /agency, /cong-khai, /admin, /static
    # Last, so that it is the outermost middleware: a shed request costs nothing else.
    install_backpressure(app, max_in_flight=settings.max_in_flight, retry_after=settings.retry_after_seconds)
    # Outside even that: a shed request's 503 gets the headers too (a list appended, nothing else).
    app.add_middleware(SecurityHeaders, hsts_max_age=settings.hsts_max_age,
                       img_sources=[*dashboard_pages.tile_urls(settings), *settings.csp_extra_img_src.split()])
    # With PHANANH_OTEL_ENDPOINT: spans per request and per statement (phananh.ops.tracing), inside the request id.
    ops_tracing.install(app, settings)
    # Outermost: every answer is counted (a shed 503 too) and carries its X-Request-Id (phananh.ops).
    app.add_middleware(ops_metrics.RequestMetrics)
    app.add_middleware(ops_logging.RequestId)
    return app
