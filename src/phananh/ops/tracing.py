"""Optional OpenTelemetry tracing (issue 13 part 8): `PHANANH_OTEL_ENDPOINT` names an OTLP/HTTP collector.

Unset (the default), nothing here imports OpenTelemetry's SDK, exporter or instrumentations, and nothing is
traced: the cost is one `None` check per batch statement. Set (install the `[otel]` extra), each server process
gets a tracer provider exporting in batches to the endpoint (`http://collector:4318`, `/v1/traces` added when
no path is given), with:

- one server span per request (FastAPI/ASGI instrumentation; the probes and /metrics are left out);
- one client span per SQL statement with its raw text (`db.statement`), through SQLAlchemy's engine events, and
  for batch.py's one-statement submit on PostgreSQL, which goes to asyncpg directly, a span of its own with the
  same attributes (`statement_span`);
- the request id (phananh.ops.logging) as the attribute `phananh.request_id` on the request's span and on every
  span started while serving it, so a trace and its JSON log lines are found from one another.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from phananh.ops.logging import request_id

if TYPE_CHECKING:
    from fastapi import FastAPI
    from sqlalchemy.ext.asyncio import AsyncEngine

    from phananh.config import Settings

REQUEST_ID_ATTRIBUTE = "phananh.request_id"
SERVICE_NAME = "phananh"
EXCLUDED_URLS = "/health,/ready,/metrics,/api/v1/health"
_tracer: Any = None  # the process's tracer once tracing is on (None: off)


def traces_url(endpoint: str) -> str:
    """The OTLP/HTTP traces URL of a collector given with or without its path."""
    parts = urlsplit(endpoint)
    return endpoint if parts.path not in ("", "/") else endpoint.rstrip("/") + "/v1/traces"


def install(app: FastAPI, settings: Settings, *, exporter: Any = None) -> bool:
    """Trace the app's requests when `settings.otel_endpoint` is set (or an `exporter` is given: tests); the
    engine is traced by `trace_engine` once made. Returns whether tracing is on. Call before the request-id
    middleware is added, so that the span middleware runs inside it."""
    global _tracer
    endpoint: str = getattr(settings, "otel_endpoint", None) or ""
    if not endpoint and exporter is None:
        return False
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    from phananh import __version__

    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter(endpoint=traces_url(endpoint))
    provider = TracerProvider(resource=Resource.create({"service.name": SERVICE_NAME,
                                                        "service.version": __version__}))
    provider.add_span_processor(_request_id_processor())
    provider.add_span_processor(BatchSpanProcessor(exporter))
    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider, excluded_urls=EXCLUDED_URLS,
                                       exclude_spans=["receive", "send"])
    app.add_middleware(RequestIdOnSpan)
    app.state.tracer_provider = provider
    _tracer = provider.get_tracer("phananh", __version__)
    return True


def trace_engine(app: FastAPI, engine: AsyncEngine) -> None:
    """Trace every statement run through the app's engine (a no-op when tracing is off)."""
    provider = getattr(app.state, "tracer_provider", None)
    if provider is None:
        return
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    instrumentor = SQLAlchemyInstrumentor()
    if instrumentor.is_instrumented_by_opentelemetry:  # one engine per process: a second app (tests) re-aims it
        instrumentor.uninstrument()
    instrumentor.instrument(engine=engine.sync_engine, tracer_provider=provider)


def shutdown(app: FastAPI) -> None:
    """Export what is still buffered (the app's shutdown)."""
    global _tracer
    provider = getattr(app.state, "tracer_provider", None)
    if provider is None:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    provider.shutdown()
    FastAPIInstrumentor.uninstrument_app(app)
    if SQLAlchemyInstrumentor().is_instrumented_by_opentelemetry:
        SQLAlchemyInstrumentor().uninstrument()
    app.state.tracer_provider = None
    _tracer = None


def statement_span(dialect: str, sql: str) -> AbstractContextManager[Any]:
    """A client span for a statement sent to the driver without SQLAlchemy (batch.py's submit on PostgreSQL),
    with the attributes SQLAlchemy's instrumentation gives the others; a no-op when tracing is off."""
    if _tracer is None:
        return nullcontext()
    from opentelemetry.trace import SpanKind

    operation = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else dialect
    return _tracer.start_as_current_span(operation, kind=SpanKind.CLIENT, attributes={
        "db.system": dialect, "db.statement": sql, "db.operation": operation, "phananh.batch": True})


def _request_id_processor():
    """Every span started while serving a request carries its id (SQL spans, spans of its jobs)."""
    from opentelemetry.sdk.trace import SpanProcessor

    class RequestIdProcessor(SpanProcessor):
        def on_start(self, span, parent_context=None) -> None:
            rid = request_id.get()
            if rid:
                span.set_attribute(REQUEST_ID_ATTRIBUTE, rid)

    return RequestIdProcessor()


class RequestIdOnSpan:
    """Pure ASGI middleware inside ops.logging.RequestId: the request's span (started outside, before the id was
    known) gets the id too."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            rid = request_id.get()
            if rid:
                from opentelemetry import trace

                trace.get_current_span().set_attribute(REQUEST_ID_ATTRIBUTE, rid)
        await self.app(scope, receive, send)
