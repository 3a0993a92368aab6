"""Forms help at phone size: a failed save scrolls to the first error (the message bar does not
hide it), dates can be picked from a calendar, a dialog's "saved" is announced, and Flutter's
own screen-reader labels are Dutch."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from playwright.sync_api import expect

from app.domain.models import Agreement, Signal
from tests.e2e.harness import (
    PHONE,
    AppServer,
    announced,
    choose,
    event,
    fill,
    nav,
    open_app,
    screenshot,
    tap,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[AppServer]:
    srv = AppServer(tmp_path_factory.mktemp("forms"), renderer="canvaskit").start()
    yield srv
    srv.stop()


def test_a_failed_save_shows_the_first_error_and_a_date_can_be_picked(browser, server):
    page = open_app(browser, server.url, PHONE)
    tap(page, page.get_by_role("button", name="Nieuw contact").first)
    fill(page, "Straat", "Lindelaan")
    choose(page, "switch", "Vervolg nodig")
    fill(page, "Wat is de afspraak?", "Samen naar het loket")
    fill(page, "Wanneer klaar (dd-mm-jjjj)", "31-02-2031")
    save = page.get_by_role("button", name="Opslaan", exact=True)
    tap(page, save)  # at the bottom of the form; the first error (who) is at its top
    announced(page, "Controleer de gemarkeerde velden")
    search = page.get_by_role("textbox", name="Zoek bewoner (naam of straat)")
    expect(search).to_be_in_viewport()
    fill(page, "Zoek bewoner (naam of straat)", "ayse")  # accents need not be typed
    tap(page, page.get_by_role("button", name="Ayşe").first)
    tap(page, save)
    due = page.get_by_role("textbox", name="Wanneer klaar (dd-mm-jjjj)")
    expect(due).to_be_in_viewport()
    page.get_by_text("Geen geldige datum; gebruik dd-mm-jjjj.").first.wait_for()
    screenshot(page, "phone-contact-error")  # no message bar over the date's error

    tap(page, page.get_by_label("Datum kiezen in de kalender").first)
    # Flutter's own words follow the app's language (its locale): "Annuleren", not "Cancel"
    expect(page.get_by_role("button", name="Annuleren", exact=True)).to_be_attached()
    # today, where the picker starts; the picker sends its date, not a click
    tap(page, page.get_by_role("button", name="OK", exact=True), event("change"))
    tap(page, save)
    announced(page, "Contact en afspraak opgeslagen")
    assert [a for a in server.rows(Agreement)
            if a.what == "Samen naar het loket" and a.due == date.today()]


def test_a_signal_saved_in_a_dialog_is_announced(browser, server):
    page = open_app(browser, server.url, PHONE)
    nav(page, "Signalen")
    tap(page, page.get_by_role("button", name="Nieuw signaal").first)
    fill(page, "Straat", "Kastanjehof")
    choose(page, "checkbox", "Zwerfafval")
    tap(page, page.get_by_role("button", name="Opslaan", exact=True))
    announced(page, "Signaal opgeslagen")
    assert [s for s in server.rows(Signal) if s.street == "Kastanjehof"]
