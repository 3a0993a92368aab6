"""Every script renders: a resident with an Arabic name and emoji, shown with the fonts the app
ships (no CDN), screenshotted into docs/screenshots/phone-resident-scripts.png."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator

import pytest

from app.services import context
from app.ui.theme import FONTS
from tests.e2e.harness import PHONE, AppServer, nav, open_app, screenshot, search_residents, tap

pytestmark = pytest.mark.e2e

NAME = "يوسف الحداد 😊"
DREAM = "voetbaltrainer worden ⚽"
TALENT = "taarten bakken 🎂"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[AppServer]:
    srv = AppServer(tmp_path_factory.mktemp("scripts"), renderer="canvaskit").start()
    yield srv
    srv.stop()


def test_the_fallback_fonts_are_served_from_the_assets(server):
    for path in FONTS.values():
        with urllib.request.urlopen(server.url + path, timeout=10) as r:
            assert r.status == 200 and len(r.read()) > 100_000, path


def test_an_arabic_name_and_emoji_render(browser, server):
    store = server.store()
    try:
        team = context.current(store).team()
        home = store.create("household", team, {"name": "Fam. Haddad", "street": "Lindelaan"})
        store.create("resident", team, {"name": NAME, "household_id": home,
                                        "ambitions": [DREAM], "talents": [TALENT]})
    finally:
        store.close()
    page = open_app(browser, server.url, PHONE)
    nav(page, "Bewoners")
    search_residents(page, server, "يوسف")
    tap(page, page.get_by_role("button", name=NAME).first)
    page.get_by_text(DREAM).first.wait_for()
    # Read by a person (the glyphs are pixels): Arabic letters and emoji, not empty boxes.
    screenshot(page, "phone-resident-scripts")
    page.context.close()
