"""Shared by the browser tests (tests/web, tests/dashboard): a guard that fails a test when a page reports a
Content-Security-Policy violation.

Every page of a watched browser context reports each `securitypolicyviolation` event to the console (an init
script, which CSP does not block), and chromium logs its own "Refused to ..." line; both are collected.
Sync API: `csp_guard.watch(context)`; async API: `await csp_guard.watch(context)`. In tests/web every test that
uses the `chromium` fixture is guarded by itself (tests/web/conftest.py)."""

from __future__ import annotations

import pytest

REPORTER = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error("CSP violation: " + e.effectiveDirective + " blocked " + (e.blockedURI || "inline code") +
                " at " + (e.sourceFile || location.href) + ":" + e.lineNumber);
}, true);
"""
MARKS = ("CSP violation", "Content Security Policy")


class CspGuard:
    """Collects the CSP violations of the browser contexts it watches."""

    def __init__(self):
        self.violations: list[str] = []

    def watch(self, context):
        context.on("console", self._on_console)
        return context.add_init_script(script=REPORTER)  # an awaitable with Playwright's async API

    def _on_console(self, message) -> None:
        if any(mark in message.text for mark in MARKS):
            self.violations.append(message.text)

    def check(self) -> None:
        if self.violations:
            found, self.violations = self.violations, []
            pytest.fail("the page reported CSP violations:\n" + "\n".join(found), pytrace=False)
