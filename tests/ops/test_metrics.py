"""/metrics (issue 13 part 8): request counts by route template, the database's gauges, allowed networks only,
and one sum over several server processes."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support import submit


def samples(text: str) -> dict[tuple[str, tuple], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(text: str, name: str, **labels) -> float | None:
    return samples(text).get((name, tuple(sorted(labels.items()))))


async def test_requests_are_counted_under_their_route_template(client):
    before = (await client.get("/metrics")).text
    await submit(client)
    r = await client.get("/api/v1/reports/PA-2026-999999")  # no such report: 404, the template is the label
    assert r.status_code == 404
    after = await client.get("/metrics")
    assert after.status_code == 200
    assert after.headers["content-type"].startswith("text/plain")
    text = after.text
    post = dict(method="POST", route="/api/v1/reports", status="201")
    assert (value(text, "phananh_http_requests_total", **post) or 0) == (
        value(before, "phananh_http_requests_total", **post) or 0) + 1
    route = next(k[1] for k in samples(text) if k[0] == "phananh_http_requests_total" and ("status", "404") in k[1]
                 and any(v.startswith("/api/v1/reports/{") for _, v in k[1]))
    assert "PA-2026-999999" not in text  # raw paths never become label values
    assert value(text, "phananh_http_request_duration_seconds_count", method="POST", route="/api/v1/reports") >= 1
    assert route


async def test_the_database_gauges(client, app, tokens, clock):
    from phananh.notifications.senders import Sender  # noqa: F401 - the worker's pass below needs no sender
    from phananh.worker import run_once

    report = await submit(client)
    await run_once(app.state.engine, senders={}, now=clock())
    text = (await client.get("/metrics")).text
    assert value(text, "phananh_database_gauges_up") == 1
    assert value(text, "phananh_open_reports") >= 1
    on_time = value(text, "phananh_open_reports_by_sla", sla_state="on_time")
    overdue = value(text, "phananh_open_reports_by_sla", sla_state="overdue")
    assert on_time >= 1 and overdue is not None
    assert value(text, "phananh_outbox_backlog") is not None
    assert value(text, "phananh_outbox_oldest_age_seconds") >= 0
    assert value(text, "phananh_job_backlog", task="photo_derivatives") is not None
    assert value(text, "phananh_job_backlog", task="audit_unsealed_events") >= 0
    assert 0 <= value(text, "phananh_job_last_run_age_seconds", task="sweep") < 60
    assert value(text, "phananh_db_pool_connections", state="checked_out") is not None

    # A day later the fresh report's distribute clock is overdue: it moves to that state on the next scrape.
    clock.set(clock() + timedelta(days=1))
    later = (await client.get("/metrics")).text
    assert value(later, "phananh_open_reports_by_sla", sla_state="overdue") >= overdue + 1
    # ...and the sweep has not run for a day: its lag says so.
    assert value(later, "phananh_job_last_run_age_seconds", task="sweep") >= 86_000
    assert report["id"]


@pytest.mark.parametrize("peer", ["10.0.0.7", "192.168.1.20", "2001:db8::1"])
async def test_metrics_are_hidden_from_other_networks(app, peer):
    transport = httpx.ASGITransport(app=app, client=(peer, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        r = await c.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"})  # not believed
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"
    assert "phananh_http" not in r.text


async def test_an_allowed_network_may_scrape(app, settings, engine):
    from phananh.app import create_app

    other = create_app(settings.model_copy(update={"metrics_allow_networks": "10.0.0.0/8"}))
    other.state.engine = engine
    transport = httpx.ASGITransport(app=other, client=("10.1.2.3", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        assert (await c.get("/metrics")).status_code == 200
    transport = httpx.ASGITransport(app=other, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        assert (await c.get("/metrics")).status_code == 404


async def test_shed_requests_are_counted_as_503(settings, engine):
    from phananh.app import create_app

    busy = create_app(settings.model_copy(update={"max_in_flight": 0}))
    busy.state.engine = engine
    # max_in_flight 0 means no limit; shed by hand instead: the back-pressure answer goes through the counter.
    from phananh.ops.metrics import REQUESTS

    async def shed(scope, receive, send):
        await send({"type": "http.response.start", "status": 503, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    from phananh.ops.metrics import RequestMetrics

    counted = RequestMetrics(shed)
    before = REQUESTS.labels("GET", "<unmatched>", "503")._value.get()
    transport = httpx.ASGITransport(app=counted)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        assert (await c.get("/api/v1/reports")).status_code == 503
    assert REQUESTS.labels("GET", "<unmatched>", "503")._value.get() == before + 1


def test_two_server_processes_report_one_sum(tmp_path, monkeypatch):
    """`--workers 2` with PROMETHEUS_MULTIPROC_DIR: whichever process answers a scrape counts both."""
    from tests.conftest import DEMO_PASSWORD
    from tests.live_server import live_server, prepared_sqlite

    url = prepared_sqlite(tmp_path, DEMO_PASSWORD)
    folder = tmp_path / "prom"
    folder.mkdir()
    with live_server(url, tmp_path / "srv", workers=2, timeout=150,
                     env={"PROMETHEUS_MULTIPROC_DIR": str(folder)}) as base:
        n = 40
        with httpx.Client(base_url=base, timeout=10) as c:
            for _ in range(n):
                assert c.get("/api/v1/categories").status_code == 200
            scrapes = [c.get("/metrics").text for _ in range(6)]
    totals = {value(t, "phananh_http_requests_total", method="GET", route="/api/v1/categories", status="200")
              for t in scrapes}
    assert totals == {n}, totals
    assert len(list(folder.glob("counter_*.db"))) >= 1
    assert re.search(r"phananh_open_reports \d", scrapes[0])
