"""Structured logs: JSON lines carrying the request id, which the answer echoes (issue 13 part 8)."""

from __future__ import annotations

import io
import json
import logging

import pytest

from phananh.ops.logging import JsonFormatter, configure


@pytest.fixture
def json_lines():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("phananh")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)
    logger.setLevel(old_level)


async def test_a_sane_request_id_is_echoed(client):
    r = await client.get("/api/v1/categories", headers={"X-Request-Id": "lb-7f3a.42"})
    assert r.headers["x-request-id"] == "lb-7f3a.42"


@pytest.mark.parametrize("given", ["", "x" * 65, "a b", "<script>", "id\u00e9"])
async def test_an_insane_request_id_is_replaced(client, given):
    r = await client.get("/api/v1/categories", headers={"X-Request-Id": given.encode("utf-8")})
    rid = r.headers["x-request-id"]
    assert rid != given and len(rid) == 32 and rid.isalnum()


async def test_every_answer_gets_an_id_even_errors(client):
    a = await client.get("/api/v1/reports/PA-2026-999999")
    b = await client.get("/no-such-page")
    assert a.headers["x-request-id"] != b.headers["x-request-id"]


async def test_log_lines_of_a_request_carry_its_id(json_lines):
    import asyncio

    import httpx
    from fastapi import FastAPI

    from phananh.ops.logging import RequestId

    mini = FastAPI()

    @mini.get("/work")
    async def work():
        logging.getLogger("phananh.reports").info("report submitted")
        # Work started by the request (an after-commit job) inherits the id through the context.
        await asyncio.create_task(_job())
        return {}

    async def _job():
        logging.getLogger("phananh.jobs").info("derivative queued")

    mini.add_middleware(RequestId)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=mini), base_url="http://t") as c:
        r = await c.get("/work", headers={"X-Request-Id": "req-1"})
        generated = (await c.get("/work")).headers["x-request-id"]
    assert r.headers["x-request-id"] == "req-1"
    logging.getLogger("phananh.test").info("outside any request")
    lines = json_lines()
    assert [(x["logger"], x["request_id"]) for x in lines[:2]] == [("phananh.reports", "req-1"), ("phananh.jobs", "req-1")]
    assert {x.get("request_id") for x in lines[2:4]} == {generated}
    assert lines[-1]["message"] == "outside any request" and "request_id" not in lines[-1]


def test_the_json_line_shape():
    from phananh.ops.logging import request_id

    record = logging.LogRecord("phananh.x", logging.WARNING, __file__, 1, "%s overdue", ("PA-2026-000001",), None)
    record.report_code = "PA-2026-000001"
    token = request_id.set("abc")
    try:
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id.reset(token)
    assert line["message"] == "PA-2026-000001 overdue"
    assert line["level"] == "WARNING" and line["logger"] == "phananh.x" and line["request_id"] == "abc"
    assert line["report_code"] == "PA-2026-000001"  # extra fields kept
    assert line["time"].endswith("+00:00")


def test_configure_json_switches_existing_handlers():
    logger = logging.getLogger("uvicorn.access")
    handler = logging.StreamHandler(io.StringIO())
    logger.addHandler(handler)
    try:
        configure("text")
        assert not isinstance(handler.formatter, JsonFormatter)
        configure("json")
        assert isinstance(handler.formatter, JsonFormatter)
    finally:
        logger.removeHandler(handler)
