"""Optional OpenTelemetry tracing (phananh.ops.tracing): with PHANANH_OTEL_ENDPOINT, a collector receives, over
OTLP/HTTP, a span for the request and a span for the submit's INSERT with its text, both tagged with the request id;
without it, OpenTelemetry's SDK is never imported. On SQLite and PostgreSQL (where the submit is batch.py's one
statement sent to asyncpg directly)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from phananh.app import create_app
from phananh.db import create_engine
from phananh.ops import tracing
from tests.support import report_body

pytest.importorskip("opentelemetry.sdk", reason="the [otel] extra is part of the test extra")


class Collector:
    """A tiny OTLP/HTTP receiver: every span posted to /v1/traces, as (name, attributes)."""

    def __init__(self):
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

        spans, paths = self.spans, self.paths = [], []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                paths.append(self.path)
                request = ExportTraceServiceRequest.FromString(body)
                for resource in request.resource_spans:
                    for scope in resource.scope_spans:
                        for span in scope.spans:
                            attributes = {a.key: _value(a.value) for a in span.attributes}
                            spans.append((span.name, attributes))
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _value(v):
    return getattr(v, v.WhichOneof("value")) if v.WhichOneof("value") else None


@pytest.fixture
def collector():
    c = Collector()
    yield c
    c.close()


async def test_a_submit_is_traced_with_its_insert_and_the_request_id(settings, collector):
    traced = settings.model_copy(update={"otel_endpoint": collector.url})  # no path: /v1/traces is added
    app = create_app(traced)
    engine = create_engine(settings.database_url)
    app.state.engine = engine  # the lifespan is not run under httpx's ASGITransport: wire it as it would
    tracing.trace_engine(app, engine)
    # The first submit also loads the directory (its transaction carries the batch); later ones send the batch
    # alone, on PostgreSQL straight to asyncpg.
    rids = [f"trace-{uuid.uuid4().hex[:12]}" for _ in range(3)]
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
            for rid in rids:
                r = await c.post("/api/v1/reports", json=report_body(), headers={"X-Request-Id": rid})
                assert r.status_code == 201, r.text
                assert r.headers["x-request-id"] == rid
            assert (await c.get("/health")).status_code == 200  # a probe: not traced
    finally:
        tracing.shutdown(app)  # flushes the batch to the collector
        await engine.dispose()

    assert collector.paths and set(collector.paths) == {"/v1/traces"}
    requests = [a for name, a in collector.spans if name == "POST /api/v1/reports"]
    assert sorted(a["phananh.request_id"] for a in requests) == sorted(rids)
    assert all(a.get("http.route") == "/api/v1/reports" for a in requests)
    statements = [(a.get("phananh.request_id"), a) for _, a in collector.spans if a.get("db.statement")]
    for rid in rids:
        [insert] = [a for r, a in statements if r == rid and "INSERT INTO reports" in a["db.statement"]]
        if not settings.database_url.startswith("sqlite"):  # batch.py's one statement: report, clocks, event...
            assert "INSERT INTO events" in insert["db.statement"] and insert["db.system"] == "postgresql"
    if not settings.database_url.startswith("sqlite"):
        assert any(a.get("phananh.batch") for _, a in statements), "the batch sent alone has its span"
    assert not any("/health" in name for name, _ in collector.spans)


def test_without_an_endpoint_nothing_of_opentelemetrys_sdk_is_imported(tmp_path):
    code = (
        "import sys\n"
        "from phananh.app import create_app\n"
        "from phananh.config import Settings\n"
        f"app = create_app(Settings(database_url='sqlite+aiosqlite:///{tmp_path}/x.db', var_dir='{tmp_path}'))\n"
        "from phananh.ops import tracing\n"
        "assert tracing.statement_span('postgresql', 'SELECT 1').__class__.__name__ == 'nullcontext'\n"
        "print(sorted(m for m in sys.modules if m.startswith(('opentelemetry.sdk', 'opentelemetry.instrumentation',"
        " 'opentelemetry.exporter'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env={k: v for k, v in os.environ.items() if k != "PHANANH_OTEL_ENDPOINT"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_the_traces_url_of_a_collector():
    assert tracing.traces_url("http://collector:4318") == "http://collector:4318/v1/traces"
    assert tracing.traces_url("http://collector:4318/") == "http://collector:4318/v1/traces"
    assert tracing.traces_url("https://otel.example/custom/traces") == "https://otel.example/custom/traces"
