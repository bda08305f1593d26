"""Prometheus metrics at `/metrics` (issue 13 part 8).

Request counts and latencies are counted by a pure ASGI middleware under the route's template
(`/api/v1/reports/{report_ref}`, never the raw path: bounded label values), so 429 and 503 answers are counted
too, including those shed before routing. Under several server processes (`phananh serve --workers N`, or
`PROMETHEUS_MULTIPROC_DIR` set) the counters live in prometheus-client's multiprocess files and every scrape,
whichever process answers it, sums all processes.

The gauges that describe the system rather than a process (outbox backlog, open reports by SLA state, job
backlogs, sweep lag) are read from the database at scrape time, so every server reports the same values.
`/metrics` answers only to clients in `metrics_allow_networks` (the TCP peer address; X-Forwarded-For is not
believed), anyone else gets 404.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import time
from collections.abc import Iterable
from datetime import datetime, timezone

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy import case, func, select, text
from starlette.routing import Mount

from phananh.errors import error_body
from phananh.i18n import gettext

log = logging.getLogger("phananh.ops")
MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
# Requests that never reached a route (shed by back-pressure, 404s) share one label value.
UNMATCHED = "<unmatched>"

REGISTRY = CollectorRegistry(auto_describe=True)  # this module's metrics only (not the default process ones)
REQUESTS = Counter("phananh_http_requests", "HTTP requests answered, by route template and status",
                   ["method", "route", "status"], registry=REGISTRY)
LATENCY = Histogram("phananh_http_request_duration_seconds", "HTTP request latency by route template",
                    ["method", "route"], registry=REGISTRY,
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
POOL = Gauge("phananh_db_pool_connections", "Database connections of the server processes' pools, by state",
             ["state"], registry=REGISTRY, multiprocess_mode="livesum")


class RequestMetrics:
    """Pure ASGI middleware: one counter increment and one histogram observation per request, no task."""

    def __init__(self, app) -> None:
        self.app = app
        self._children: dict[tuple, tuple] = {}  # (method, route, status) -> (counter, histogram) children

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status = 500

        async def send_status(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            key = (scope["method"], route_template(scope), status)
            children = self._children.get(key)
            if children is None:
                children = self._children[key] = (REQUESTS.labels(key[0], key[1], str(status)),
                                                  LATENCY.labels(key[0], key[1]))
            children[0].inc()
            children[1].observe(time.perf_counter() - started)


def route_template(scope) -> str:
    """The matched route's path template with its router prefix ("/api/v1/reports/{report_ref}").

    An included route knows only its own part of the template; the prefix is the request path's leading
    segments before the route's (router prefixes hold no parameters here)."""
    route = scope.get("route")
    own = getattr(route, "path_format", None) or getattr(route, "path", None)
    if not own:
        return UNMATCHED
    if ":path}" in getattr(route, "path", ""):  # a catch-all spans any number of segments: its own part only
        return own
    if isinstance(route, Mount):  # static files: everything under the mount is one label
        own += "/{path}"
    parts = scope["path"].split("/")
    keep = len(parts) - own.count("/")
    return "/".join(parts[:keep]) + own if keep > 1 else own


# --- the database's gauges, read at scrape time ---

async def _scalar(conn, query):
    return (await conn.execute(query)).scalar()


async def system_gauges(engine, now: datetime) -> list[GaugeMetricFamily]:
    """Gauges computed from the database; a table that does not exist (yet) is left out, never an error."""
    from phananh.notifications.tables import notifications
    from phananh.reports.tables import reports
    from phananh.sla.tables import sla_clocks

    families: list[GaugeMetricFamily] = []

    async def outbox(conn):
        pending = notifications.c.status == "pending"
        row = (await conn.execute(select(func.count(), func.min(notifications.c.created_at)).where(pending))).one()
        backlog = GaugeMetricFamily("phananh_outbox_backlog", "Notifications waiting to be delivered")
        backlog.add_metric([], row[0])
        oldest = GaugeMetricFamily("phananh_outbox_oldest_age_seconds",
                                   "Age of the oldest notification waiting to be delivered (0: none)")
        oldest.add_metric([], (now - _aware(row[1])).total_seconds() if row[1] else 0.0)
        return [backlog, oldest]

    async def sla_states(conn):
        running = sla_clocks.c.stopped_at.is_(None)
        worst = func.max(case((sla_clocks.c.due_at < now, 2), (sla_clocks.c.at_risk_at < now, 1), else_=0))
        per_report = select(worst.label("w")).where(running).group_by(sla_clocks.c.report_id).subquery()
        counts = dict((await conn.execute(select(per_report.c.w, func.count()).group_by(per_report.c.w))).all())
        g = GaugeMetricFamily("phananh_open_reports_by_sla", "Reports with a running SLA clock, by their worst state",
                              labels=["sla_state"])
        for value, state in ((0, "on_time"), (1, "at_risk"), (2, "overdue")):
            g.add_metric([state], counts.get(value, 0))
        return [g]

    async def open_reports(conn):
        terminal = ("closed", "rejected", "merged")
        n = await _scalar(conn, select(func.count()).select_from(reports).where(reports.c.status.not_in(terminal)))
        g = GaugeMetricFamily("phananh_open_reports", "Reports not in a terminal state")
        g.add_metric([], n)
        return [g]

    async def jobs(conn):
        g = GaugeMetricFamily("phananh_job_backlog", "Work waiting for the worker, by job", labels=["task"])
        g.add_metric(["photo_derivatives"], await _scalar(conn, text(
            "SELECT count(*) FROM media_derivatives WHERE status = 'pending'")))
        return [g]

    async def audit(conn):
        unsealed = await _scalar(conn, text(
            "SELECT (SELECT coalesce(max(id), 0) FROM events) - "
            "(SELECT coalesce(max(last_event_id), 0) FROM audit_blocks)"))
        g = GaugeMetricFamily("phananh_job_backlog", "Work waiting for the worker, by job", labels=["task"])
        g.add_metric(["audit_unsealed_events"], max(unsealed or 0, 0))
        return [g]

    async def sweep(conn):
        from phananh.ops.tables import job_heartbeats

        beats = (await conn.execute(select(job_heartbeats.c.name, job_heartbeats.c.beat_at))).all()
        g = GaugeMetricFamily("phananh_job_last_run_age_seconds",
                              "Seconds since a scheduler last finished a pass of the job (sweep lag)",
                              labels=["task"])
        for name, at in beats:
            g.add_metric([name], (now - _aware(at)).total_seconds())
        return [g]

    for build in (outbox, sla_states, open_reports, jobs, audit, sweep):
        try:  # one connection each: a missing optional table (or any failure) leaves the others standing
            async with engine.connect() as conn:
                families.extend(await build(conn))
        except Exception:  # noqa: BLE001
            log.debug("metric %s unavailable", build.__name__, exc_info=True)
    return _merge(families)


def _merge(families: Iterable[GaugeMetricFamily]) -> list[GaugeMetricFamily]:
    """Families of the same name (the job backlog's parts) as one family."""
    merged: dict[str, GaugeMetricFamily] = {}
    for f in families:
        if f.name in merged:
            merged[f.name].samples.extend(f.samples)
        else:
            merged[f.name] = f
    return list(merged.values())


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class _Fixed:
    """A collector yielding families computed beforehand (collect() is synchronous, the database is not)."""

    def __init__(self, families):
        self.families = families

    def collect(self):
        return iter(self.families)


def record_pool(engine) -> None:
    """This process's pool use (summed over live processes in multiprocess mode)."""
    pool = engine.pool
    for state, read in (("checked_out", "checkedout"), ("idle", "checkedin"), ("overflow", "overflow")):
        value = getattr(pool, read, None)
        if callable(value):
            POOL.labels(state).set(max(value(), 0))


async def pool_recorder(engine, stop: asyncio.Event, every: float = 2.0) -> None:
    """This process's pool gauges every `every` seconds until `stop` (then its live gauges are dropped)."""
    while not stop.is_set():
        record_pool(engine)
        try:
            await asyncio.wait_for(stop.wait(), timeout=every)
        except TimeoutError:
            pass
    if MULTIPROCESS:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid())


# --- the endpoint ---

def allowed_networks(setting: str) -> list:
    return [ipaddress.ip_network(n.strip(), strict=False) for n in setting.split(",") if n.strip()]


def peer_allowed(request: Request, networks) -> bool:
    client = request.scope.get("client")
    if not client:
        return False
    try:
        address = ipaddress.ip_address(client[0])
    except (TypeError, ValueError):
        return False
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in n for n in networks if n.version == address.version)


router = APIRouter(include_in_schema=False)


@router.get("/metrics")
async def metrics(request: Request):
    app = request.app
    if not peer_allowed(request, app.state.metrics_networks):
        return JSONResponse(error_body("not_found", gettext("Not found: {what}").format(what="/metrics")), 404)
    record_pool(app.state.engine)
    now = app.state.clock()
    try:
        families = await asyncio.wait_for(system_gauges(app.state.engine, now), app.state.settings.ready_timeout_seconds)
    except Exception:  # noqa: BLE001 - the process's own metrics still answer while the database does not
        log.warning("metrics: the database gauges are unavailable", exc_info=True)
        families = []
    up = GaugeMetricFamily("phananh_database_gauges_up", "1 when the database gauges were read for this scrape")
    up.add_metric([], 1 if families else 0)
    registry = CollectorRegistry()
    if MULTIPROCESS:
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Fixed(list(REGISTRY.collect())))
    registry.register(_Fixed([*families, up]))
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def install(app) -> None:
    app.state.metrics_networks = allowed_networks(app.state.settings.metrics_allow_networks)
    app.include_router(router)


def prepare_multiprocess(var_dir, workers: int) -> None:
    """`phananh serve`, before the server processes start: with several, their counters go to one folder of
    prometheus-client files (PROMETHEUS_MULTIPROC_DIR, else var/metrics), emptied here of a previous run's."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        if workers <= 1:
            return
        folder = os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(var_dir / "metrics")
    os.makedirs(folder, exist_ok=True)
    for name in os.listdir(folder):
        if name.endswith(".db"):
            os.remove(os.path.join(folder, name))
