"""The main flows on the real web app, at phone and tablet size, checked in the database too."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from playwright.sync_api import expect

from app.domain.models import Agreement, Contact, NetworkPerson, Resident
from app.store import Store
from tests.e2e.harness import (
    PHONE,
    TABLET,
    AppServer,
    announced,
    choose,
    fill,
    nav,
    open_app,
    search_people,
    search_residents,
    tap,
    until,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[AppServer]:
    srv = AppServer(tmp_path_factory.mktemp("flows")).start()
    yield srv
    srv.stop()


@contextmanager
def database(server: AppServer) -> Iterator[Store]:
    store = server.store()
    try:
        yield store
    finally:
        store.close()


def unique_resident(server: AppServer, without_ties: bool = False) -> Resident:
    """A demo resident whose name nobody else has (so a search finds exactly them)."""
    with database(server) as store:
        rows = [r for r, _ in store.search_residents("", limit=500)]
        names = [r.name for r in rows]
        for r in rows:
            if names.count(r.name) == 1 and not (without_ties and store.ties(r.id)):
                return r
    raise AssertionError("no unique resident in the demo data")


def open_resident(page, server: AppServer, name: str) -> None:  # noqa: ANN001 - a Page
    nav(page, "Bewoners")
    search_residents(page, server, name)
    tap(page, page.get_by_role("button", name=name).first)
    page.get_by_text("Dromen", exact=True).wait_for()


def test_contact_with_a_new_resident_on_a_phone(browser, server):
    page = open_app(browser, server.url, PHONE)
    tap(page, page.get_by_role("button", name="Nieuw contact").first)
    tap(page, page.get_by_role("button", name="Opslaan", exact=True))
    page.get_by_text("Kies een bewoner, maak er een aan").wait_for()  # error next to "wie"
    tap(page, page.get_by_role("button", name="Nieuwe bewoner", exact=True))
    fill(page, "Naam nieuwe bewoner", "Zeynep Testbewoner")
    fill(page, "Straat", "Tulpstraat")
    choose(page, "checkbox", "Jeugd")
    tap(page, page.get_by_role("button", name="Opslaan", exact=True))
    announced(page, "Contact opgeslagen")
    with database(server) as store:
        [(resident, household)] = store.search_residents("Zeynep Testbewoner")
        [item] = store.timeline(resident.id)
        contact = store.get(Contact, item.row.id)
    assert household.street == "Tulpstraat"
    assert contact.resident_ids == [resident.id] and contact.themes == ["youth"]
    assert contact.street == "Tulpstraat" and not contact.follow_up
    page.locator("flt-semantics-host").get_by_text("Zeynep Testbewoner").first.wait_for()
    page.context.close()


def test_follow_up_needed_creates_an_agreement_on_a_tablet(browser, server):
    resident = unique_resident(server)
    page = open_app(browser, server.url, TABLET)
    tap(page, page.get_by_role("button", name="Nieuw contact").first)
    fill(page, "Zoek bewoner (naam of straat)", resident.name)
    tap(page, page.get_by_role("button", name=resident.name).first)
    fill(page, "Straat", "Irisplein")
    choose(page, "checkbox", "Huisbezoek")
    choose(page, "switch", "Vervolg nodig")
    fill(page, "Wat is de afspraak?", "Samen het toeslagenformulier invullen")
    fill(page, "Wanneer klaar (dd-mm-jjjj)", "1-12-2031")
    tap(page, page.get_by_role("button", name="Opslaan", exact=True))
    announced(page, "Contact en afspraak opgeslagen")
    with database(server) as store:
        [agreement] = [a for a in store.open_agreements(resident_id=resident.id)
                       if a.what == "Samen het toeslagenformulier invullen"]
        contact = store.get(Contact, agreement.contact_id)
    assert agreement.due == date(2031, 12, 1) and agreement.owner_kind == "worker"
    assert contact.resident_ids == [resident.id] and contact.channel == "home_visit"
    assert contact.follow_up
    page.context.close()


def test_a_tie_added_from_the_resident_shows_in_the_ecogram(browser, server):
    resident = unique_resident(server, without_ties=True)
    page = open_app(browser, server.url, PHONE)
    open_resident(page, server, resident.name)
    tap(page, page.get_by_role("button", name="Ecogram", exact=True))
    tap(page, page.get_by_role("button", name="Relatie toevoegen"))
    fill(page, "Zoek netwerkpersoon of sleutelfiguur", "Gerda")
    tap(page, page.get_by_role("button", name="Gerda Pos").first)
    choose(page, "checkbox", "Buur", exact=True)
    choose(page, "checkbox", "Onder spanning")
    tap(page, page.get_by_role("button", name="Opslaan", exact=True))
    announced(page, "Relatie opgeslagen")
    page.get_by_role("button", name="Gerda Pos").first.wait_for()  # the list under the drawing
    with database(server) as store:
        [(tie, person)] = store.ties(resident.id)
    assert person.name == "Gerda Pos" and (tie.kind, tie.strength) == ("neighbour", "strained")
    page.context.close()


def test_a_tie_added_from_the_network_person(browser, server):
    resident = unique_resident(server, without_ties=True)
    page = open_app(browser, server.url, TABLET)
    nav(page, "Netwerk")  # the rail
    search_people(page, server, "Karim")
    tap(page, page.get_by_role("button", name="Karim Benali").first)
    tap(page, page.get_by_role("button", name="Koppel aan bewoner"))
    fill(page, "Zoek bewoner (naam of straat)", resident.name)
    tap(page, page.get_by_role("button", name=resident.name).first)
    tap(page, page.get_by_role("button", name="Opslaan", exact=True))
    announced(page, "Relatie opgeslagen")
    page.get_by_role("button", name=resident.name).first.wait_for()  # now on Karim's page
    with database(server) as store:
        [(tie, person)] = store.ties(resident.id)
        karim = store.get(NetworkPerson, person.id)
    assert karim.name == "Karim Benali" and tie.kind == "friend"
    page.context.close()


def test_switch_to_english_and_back(browser, server):
    page = open_app(browser, server.url, PHONE)
    tap(page, page.get_by_label("Instellingen").first)
    choose(page, "checkbox", "English")
    page.get_by_role("tab", name="Today").wait_for()
    page.get_by_text("Sync and settings").first.wait_for()
    with database(server) as store:
        assert store.meta("language") == "en"
    choose(page, "checkbox", "Nederlands")
    page.get_by_role("tab", name="Vandaag").wait_for()
    page.context.close()


def test_nothing_typed_is_lost_when_the_tab_closes(browser, server):
    page = open_app(browser, server.url, PHONE)
    tap(page, page.get_by_role("button", name="Nieuw contact").first)
    fill(page, "Notitie", "Half getypt verhaal over de buurvrouw")

    def draft() -> str:  # written once typing pauses
        with database(server) as store:
            return store.meta("draft.contact") or ""

    until(lambda: "Half getypt verhaal over de buurvrouw" in draft(), "the draft written")
    page.context.close()
    page = open_app(browser, server.url, PHONE)
    tap(page, page.get_by_role("button", name="Nieuw contact").first)
    note = page.get_by_role("textbox", name="Notitie")
    note.click()  # an unfocused field does not expose its value to the DOM
    expect(note).to_have_value(
        "Half getypt verhaal over de buurvrouw")
    with database(server) as store:
        assert "Half getypt" in (store.meta("draft.contact") or "")
        assert not [a for a in store.all_rows("agreement").values()
                    if a["what"] == "Half getypt verhaal over de buurvrouw"]
    tap(page, page.get_by_role("button", name="Formulier wissen"))
    page.context.close()


def test_agreement_models_are_the_stored_ones():
    """Keeps the imports honest: the e2e checks read the same tables the app writes."""
    assert Agreement.__tablename__ == "agreement"
