"""Fixtures of the browser tests: one live server and one Debian chromium for the session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser_support import CspGuard
from tests.web import server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    srv = server.start(tmp_path_factory.mktemp("live"))
    yield srv
    server.stop(srv)


@pytest.fixture(scope="module")
def chromium(live_server):
    """Module-scoped: Playwright's sync API runs an event loop in this thread while it is open, which must be
    closed again before other modules' asyncio tests run (and the server is started before it)."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install-browser.sh (make test does)", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture(autouse=True)
def csp_guard(request):
    """Every browser context that a test opens on `chromium` is watched; the test fails on a CSP violation.
    A test that means to cause one reads `csp_guard.violations` and clears it."""
    if "chromium" not in request.fixturenames:
        yield None
        return
    browser, guard = request.getfixturevalue("chromium"), CspGuard()
    opened = browser.new_context

    def new_context(*args, **kwargs):
        context = opened(*args, **kwargs)
        guard.watch(context)
        return context

    browser.new_context = new_context
    try:
        yield guard
    finally:
        del browser.new_context
    guard.check()
