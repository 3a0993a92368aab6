""""Plek vastleggen" at phone size, with Chromium's geolocation emulation: the device's position
fills the location field when permission is granted; when it is not, the form says so in plain
Dutch and typing the place still works."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.harness import BOUND_MS, PHONE, AppServer, fill, on_field, open_app, tap

pytestmark = pytest.mark.e2e
KIEVITPLEIN = {"latitude": 52.37403, "longitude": 4.88969}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = AppServer(tmp_path_factory.mktemp("location")).start()
    yield srv
    srv.stop()


def _form(page):  # noqa: ANN001, ANN202 - a playwright Page
    tap(page, page.get_by_role("button", name="Nieuw contact").first)
    button = page.get_by_role("button", name="Plek vastleggen", exact=True)
    button.scroll_into_view_if_needed()
    return button


def test_the_device_position_fills_the_location(browser, server) -> None:
    page = open_app(browser, server.url, PHONE, geolocation=KIEVITPLEIN,
                    permissions=["geolocation"])
    tap(page, _form(page))
    on_field(page, "Locatie (optioneel)",
             lambda box, _patience: expect(box).to_have_value("52.37403, 4.88969",
                                                              timeout=BOUND_MS))
    page.context.close()


def test_a_refusal_is_explained_and_typing_still_works(browser, server) -> None:
    page = open_app(browser, server.url, PHONE, geolocation=KIEVITPLEIN, permissions=[])
    tap(page, _form(page))
    host = page.locator("flt-semantics-host")
    host.get_by_text("Typ de plek", exact=False).or_(
        host.get_by_text("typ de plek", exact=False)).first.wait_for(timeout=BOUND_MS)
    fill(page, "Locatie (optioneel)", "52.37, 4.89")
    page.context.close()
