"""One headless Chromium for the whole e2e run; each module starts its own app server."""

from __future__ import annotations

import os

import pytest

from tests.e2e.harness import BOUND_MS, CHROMIUM, launch


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail("the browser tests need Debian's chromium: apt-get install -y chromium")
    from playwright.sync_api import expect, sync_playwright

    # Playwright's assertions have a bound of their own (5 s), apart from the context's: on a
    # busy machine a screen that loads its draft took longer than that to show it.
    expect.set_options(timeout=BOUND_MS)
    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


@pytest.fixture(autouse=True)
def _close_pages(request: pytest.FixtureRequest):
    """Every page a test opened is closed when it ends, also when it failed: a page left open
    keeps its Flutter app drawing and its session running on the server, and the tests after
    it share the two cores with it."""
    yield
    if "browser" in request.fixturenames:
        for context in request.getfixturevalue("browser").contexts:
            context.close()
