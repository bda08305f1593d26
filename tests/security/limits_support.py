"""Apps with the real default budgets (the rest of the suite runs with high ones: tests/conftest.py)."""

from __future__ import annotations

import itertools
import random
from types import SimpleNamespace

import httpx

from phananh.app import create_app
from phananh.config import Settings
from phananh.security import limits

# Every PHANANH_LIMIT_* at its shipped default, whatever the environment says.
REAL_LIMITS = {name: field.default for name, field in Settings.model_fields.items() if name.startswith("limit_")}
PROXY = "127.0.0.1/32"  # httpx's ASGI transport connects from 127.0.0.1: the tests' own "proxy"
_octet = itertools.count(1)


def limited_app(base: Settings, engine, **overrides):
    """An app on the test database with the real budgets; X-Forwarded-For trusted from 127.0.0.1 so that each
    test can be its own client address."""
    settings = base.model_copy(update={**REAL_LIMITS, "trusted_proxies": PROXY, **overrides})
    app = create_app(settings)
    app.state.engine = engine
    return app


def client_of(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
                             base_url="http://testserver")


def fresh_ip() -> str:
    """A client address no other test used (in TEST-NET-3 plus a random part: runs share the database)."""
    return f"203.{random.randint(0, 255)}.{random.randint(0, 255)}.{next(_octet) % 250 + 1}"


def fresh_phone() -> str:
    return "09" + "".join(random.choices("0123456789", k=8))


async def forget(app, name: str, key: str) -> None:
    await limits.clear(SimpleNamespace(app=app), name, key)


def assert_rate_limited(r: httpx.Response, *, at_most: int) -> int:
    """A 429 in our error shape with a whole-seconds Retry-After in 1..at_most; returns it."""
    assert r.status_code == 429, r.text
    wait = int(r.headers["retry-after"])
    assert 1 <= wait <= at_most, wait
    body = r.json()["error"]
    assert body["code"] == "rate_limited" and body["details"] == {"retry_after": wait}
    return wait
