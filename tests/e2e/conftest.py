"""One headless Chromium for the whole e2e run; each module starts its own app server."""

from __future__ import annotations

import os

import pytest

from tests.e2e.harness import CHROMIUM, launch


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail("the browser tests need Debian's chromium: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()
