"""Screenshots of the main screens at phone and tablet size, taken by the test run itself into
docs/screenshots/ (CanvasKit renderer: skwasm sometimes drops letters in headless shots)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.services import reads
from tests.e2e.harness import (
    PHONE,
    TABLET,
    AppServer,
    nav,
    open_app,
    screenshot,
    search_residents,
    tap,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[AppServer]:
    srv = AppServer(tmp_path_factory.mktemp("shots"), renderer="canvaskit").start()
    yield srv
    srv.stop()


def showcase_resident(server: AppServer) -> str:
    """A resident with a full page: several ties, ZRM scores and ambitions, a unique name."""
    store = server.store()
    try:
        rows = [r for r, _ in store.search_residents("", limit=500)]
        names = [r.name for r in rows]
        scored = [r for r in rows if names.count(r.name) == 1 and r.ambitions
                  and reads.scores(store, r.id)]
        best = max(scored, key=lambda r: (len(store.ties(r.id)), len(r.talents)))
        return best.name
    finally:
        store.close()



@pytest.mark.parametrize("size, viewport", [("phone", PHONE), ("tablet", TABLET)])
def test_screenshots_of_the_main_screens(browser, server, size, viewport):
    name = showcase_resident(server)
    page = open_app(browser, server.url, viewport)
    page.locator("flt-semantics-host").get_by_text("Contacten vandaag").wait_for()
    screenshot(page, f"{size}-today")

    tap(page, page.get_by_role("button", name="Nieuw contact").first)
    page.get_by_role("textbox", name="Notitie").wait_for()
    screenshot(page, f"{size}-contact")

    nav(page, "Bewoners")
    search_residents(page, server, name)
    tap(page, page.get_by_role("button", name=name).first)
    page.get_by_text("Dromen", exact=True).wait_for()
    page.get_by_text("Tijdlijn", exact=True).wait_for()
    screenshot(page, f"{size}-resident")

    tap(page, page.get_by_role("button", name="Ecogram", exact=True))
    page.get_by_role("button", name="Relatie toevoegen").wait_for()
    page.get_by_text("Relaties", exact=True).wait_for()
    screenshot(page, f"{size}-ecogram")

    tap(page, page.get_by_label("Terug").first)
    tap(page, page.get_by_role("button", name="ZRM", exact=True))
    page.get_by_role("button", name="Score vastleggen").wait_for()
    page.get_by_text("Financiën").first.wait_for()
    screenshot(page, f"{size}-scores")

    nav(page, "Bewoners")
    page.get_by_role("button", name="Nieuwe bewoner").wait_for()
    page.wait_for_timeout(500)
    screenshot(page, f"{size}-residents")

    nav(page, "Afspraken")
    page.get_by_role("button", name="Nieuwe afspraak").wait_for()
    page.wait_for_timeout(500)
    screenshot(page, f"{size}-agreements")

    nav(page, "Signalen")
    page.get_by_role("button", name="Nieuw signaal").wait_for()
    page.wait_for_timeout(500)
    screenshot(page, f"{size}-signals")

    tap(page, page.get_by_label("Instellingen").first)
    page.get_by_role("button", name="Nu synchroniseren").wait_for()
    screenshot(page, f"{size}-settings")
    page.context.close()
