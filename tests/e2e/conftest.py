"""One headless Chromium per test module; each module starts its own app server."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.harness import BOUND_MS, CHROMIUM, launch


@pytest.fixture(scope="session")
def playwright() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.fail("the browser tests need Debian's chromium: apt-get install -y chromium")
    from playwright.sync_api import expect, sync_playwright

    # Playwright's assertions have a bound of their own (5 s), apart from the context's: on a
    # busy machine a screen that loads its draft took longer than that to show it.
    expect.set_options(timeout=BOUND_MS)
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Any) -> Iterator[Any]:
    """A browser of the module's own: its pages share one GPU process (software WebGL), and
    what one module leaves in it must not slow the next."""
    b = launch(playwright)
    yield b
    b.close()


FAILED = pytest.StashKey[bool]()  # the test's own call failed (not its set-up or teardown)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[FAILED] = report.failed
    return report


@pytest.fixture(autouse=True)
def _close_pages(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every page a test opened is closed when it ends, also when it failed: a page left open
    keeps its Flutter app drawing and its session running on the server, and the tests after
    it share the two cores with it. After a failure, what the browser was doing is printed
    first (shown with the failure): whether each page still runs a script, and the CPU time
    of the browser's processes."""
    yield
    if "browser" not in request.fixturenames:
        return
    contexts = request.getfixturevalue("browser").contexts
    if request.node.stash.get(FAILED, False):
        for context in contexts:
            for page in context.pages:
                try:
                    page.wait_for_function("true", timeout=5_000)
                    print(f"page {page.url}: answers a script")
                except Exception as err:  # noqa: BLE001 - what is printed is the finding
                    print(f"page {page.url}: no script ran within 5 s ({type(err).__name__})")
        table = subprocess.run(["ps", "-eo", "pid,times,pcpu,args"], capture_output=True,
                               text=True).stdout.splitlines()
        for line in table[1:]:
            pid, cpu_secs, pcpu, args = line.split(None, 3)
            if "chrom" in args:
                kind = next((a[7:] for a in args.split() if a.startswith("--type=")), "browser")
                print(f"chromium {kind} pid {pid}: {cpu_secs} s of CPU, {pcpu} % of its lifetime")
    for context in contexts:
        context.close()
