"""The dashboard's browser tests open their own browser (async API): they watch each context with `csp_guard`."""

from __future__ import annotations

import pytest

from tests.browser_support import CspGuard


@pytest.fixture
def csp_guard():
    """`await csp_guard.watch(context)`; the test fails if a watched page reports a CSP violation."""
    guard = CspGuard()
    yield guard
    guard.check()
