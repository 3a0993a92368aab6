"""The app lock on the real web app: choosing a PIN on a new device, wrong PINs backing off
(also after a restart), and the idle lock that hides everything and gives the draft back."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from app.domain.models import Contact
from app.security import Vault, WrongPin
from app.security.pin_lockout import PinLockout
from app.security.vault import BACKOFF_FILE
from app.services.settings import IDLE_META
from app.store import cipher
from tests.e2e.harness import (
    BOUND_MS,
    PHONE,
    PIN,
    AppServer,
    announced,
    choose,
    device_store,
    fill,
    on_field,
    open_app,
    screenshot,
    set_idle_lock,
    submit_pin,
    tap,
    unlock,
)

pytestmark = pytest.mark.e2e
DRAFT = "Concept: buurman helpt met de fietsreparatie"


@pytest.fixture
def seeded(tmp_path) -> Iterator[AppServer]:
    """A demo device whose idle lock is 9 seconds (a setting any device has, made short)."""
    store = device_store(tmp_path)
    store.set_meta(IDLE_META, "0.15")
    store.close()
    srv = AppServer(tmp_path).start()
    store = srv.store()
    srv.ids["names"] = [r.name for r, _ in store.search_residents("", limit=500)]
    store.close()
    yield srv
    srv.stop()


def _lock_screen(page) -> None:  # noqa: ANN001 - a playwright Page
    page.get_by_role("button", name="Ontgrendelen", exact=True).wait_for(timeout=BOUND_MS)


def _on_screen(page):  # noqa: ANN001, ANN202 - a playwright Page and Locator
    """What the screen shows: its semantics tree, without the screen reader's announcements."""
    return page.locator("flt-semantics-host")


def _shows_no_data(page, server: AppServer) -> None:  # noqa: ANN001
    """Nothing of the app is on the page: no resident's name, no navigation, no button."""
    text = page.locator("flt-semantics-host").inner_text()
    assert len(server.ids["names"]) > 50
    assert not [name for name in server.ids["names"] if name in text]
    expect(page.get_by_role("tab", name=re.compile("Bewoners"))).to_have_count(0)
    expect(page.get_by_role("button", name="Nieuw contact")).to_have_count(0)


def _expect_value(page, label: str, value: str) -> None:  # noqa: ANN001
    """An unfocused field does not expose its value to the DOM: focus it first."""
    expect(on_field(page, label)).to_have_value(value)


def test_a_new_device_chooses_its_pin(browser, tmp_path):
    server = AppServer(tmp_path, seed_demo=False).start()
    try:
        other_tab = open_app(browser, server.url, PHONE, pin=None)
        other_tab.get_by_text("Kies een pincode", exact=True).wait_for()
        page = open_app(browser, server.url, PHONE, pin=None)
        page.get_by_text("Kies een pincode", exact=True).wait_for()
        screenshot(page, "phone-lock-setup")
        button = page.get_by_role("button", name="Pincode instellen", exact=True)
        fill(page, "Pincode", "1234")
        fill(page, "Herhaal pincode", "1234")
        tap(page, button)
        _on_screen(page).get_by_text("Kies minstens 6 cijfers of tekens.").wait_for()
        fill(page, "Pincode", "246810")
        fill(page, "Herhaal pincode", "246811")
        tap(page, button)
        _on_screen(page).get_by_text("De twee pincodes zijn niet gelijk.").wait_for()
        assert not (tmp_path / "key.json").exists()
        fill(page, "Pincode", "246810")
        fill(page, "Herhaal pincode", "246810")
        tap(page, button)
        page.get_by_role("button", name="Nieuw contact").first.wait_for()
        assert (tmp_path / "key.json").exists()
        assert not cipher.is_plain(tmp_path / "wijkweb.sqlite")
        page.context.close()
        # the tab that was open meanwhile cannot choose a second PIN: it is asked for this one
        fill(other_tab, "Pincode", "999999")
        fill(other_tab, "Herhaal pincode", "999999")
        tap(other_tab, other_tab.get_by_role("button", name="Pincode instellen", exact=True))
        _lock_screen(other_tab)
        unlock(other_tab, "246810")
        other_tab.get_by_role("button", name="Nieuw contact").first.wait_for()
        other_tab.context.close()
    finally:
        server.stop()


def _failures(server: AppServer) -> int:
    """Wrong PINs in a row, as the device keeps them on disk."""
    return PinLockout(server.data_dir / BACKOFF_FILE).failures


def test_wrong_pins_back_off_with_a_message_also_after_a_restart(browser, seeded):
    page = open_app(browser, seeded.url, PHONE, pin=None)
    _lock_screen(page)
    _shows_no_data(page, seeded)
    button = page.get_by_role("button", name="Ontgrendelen", exact=True)
    for tried in range(1, 4):
        submit_pin(page, "000000", lambda n=tried: _failures(seeded) == n)
        announced(page, "Onjuiste pincode.")  # said to a screen reader too
        # the answer has reached the page: the field is emptied with the message shown (the
        # message of the try before is still on screen until then, and a PIN typed before
        # the answer arrives would be wiped by it)
        _expect_value(page, "Pincode", "")
        _on_screen(page).get_by_text("Onjuiste pincode.", exact=True).wait_for()
        expect(button).to_be_enabled()
    submit_pin(page, "000000", lambda: _failures(seeded) == 4)
    waiting = re.compile(r"Onjuiste pincode\. Probeer het over \d+ seconden opnieuw")
    _on_screen(page).get_by_text(waiting).wait_for()
    expect(button).to_be_disabled()
    assert _failures(seeded) == 4
    screenshot(page, "phone-lock-backoff")
    page.context.close()
    seeded.stop()
    # the clock of the wait: two wrong PINs more on disk make it two minutes, from now (30 s
    # from the fourth could run out while a busy machine restarts the app and loads the page)
    PinLockout(seeded.data_dir / BACKOFF_FILE).failed()
    PinLockout(seeded.data_dir / BACKOFF_FILE).failed()
    seeded.seed_demo = False
    seeded.start()  # a new process: the wait comes from disk
    page = open_app(browser, seeded.url, PHONE, pin=None)
    _on_screen(page).get_by_text(re.compile(r"Probeer het over \d+ seconden opnieuw")).wait_for()
    expect(page.get_by_role("button", name="Ontgrendelen", exact=True)).to_be_disabled()
    _shows_no_data(page, seeded)
    page.context.close()


def test_idle_lock_hides_the_app_and_unlocking_gives_the_draft_back(browser, seeded):
    page = open_app(browser, seeded.url, PHONE)
    tap(page, page.get_by_role("button", name="Nieuw contact").first)
    fill(page, "Straat", "Tulpstraat")
    fill(page, "Notitie", DRAFT)
    _lock_screen(page)  # nine seconds without use
    _shows_no_data(page, seeded)
    expect(_on_screen(page).get_by_text(DRAFT)).to_have_count(0)
    expect(page.get_by_role("textbox", name="Notitie")).to_have_count(0)
    set_idle_lock(seeded, 5)  # the rest of the test at the default pace
    unlock(page, PIN)
    for label, value in (("Notitie", DRAFT), ("Straat", "Tulpstraat")):
        _expect_value(page, label, value)
    choose(page, "switch", "Anonieme groep")
    fill(page, "Aantal", "3")
    tap(page, page.get_by_role("button", name="Opslaan", exact=True))
    announced(page, "Contact opgeslagen")
    store = seeded.store()
    try:
        with store.session() as s:
            from sqlmodel import select

            saved = s.exec(select(Contact).where(Contact.note == DRAFT)).all()
        assert [(c.street, c.group_size) for c in saved] == [("Tulpstraat", 3)]
    finally:
        store.close()
    page.context.close()


def test_lock_now_and_a_new_pin_from_the_settings(browser, seeded):
    set_idle_lock(seeded, 5)  # this test locks by hand (set before the app opens: on a busy
    page = open_app(browser, seeded.url, PHONE)  # machine 9 s can pass before the first tap)
    tap(page, page.get_by_label("Instellingen").first)
    page.get_by_text("Beveiliging", exact=True).wait_for()
    page.mouse.move(200, 400)
    page.mouse.wheel(0, 3000)  # the PIN fields at the end of the screen, all in view
    change = page.get_by_role("button", name="Pincode wijzigen", exact=True)
    change.wait_for()
    fill(page, "Huidige pincode", PIN)
    fill(page, "Nieuwe pincode", "8642")
    tap(page, change)
    page.get_by_text("Kies minstens 6 cijfers of tekens.", exact=True).wait_for()
    fill(page, "Huidige pincode", "999999")
    fill(page, "Nieuwe pincode", "86420975")
    tap(page, change)
    page.get_by_text("Onjuiste pincode.", exact=True).wait_for()
    slot = (seeded.data_dir / "key.json").read_text()
    fill(page, "Huidige pincode", PIN)
    fill(page, "Nieuwe pincode", "86420975")
    tap(page, change)
    page.get_by_role("button", name="Sluiten").wait_for()  # the snackbar "Pincode gewijzigd."
    assert (seeded.data_dir / "key.json").read_text() != slot  # rewrapped
    tap(page, page.get_by_role("button", name="Nu vergrendelen", exact=True))
    _lock_screen(page)
    _shows_no_data(page, seeded)
    unlock(page, "86420975")
    page.get_by_text("Beveiliging", exact=True).wait_for()  # back where it was
    page.context.close()
    with pytest.raises(WrongPin):
        Vault(seeded.data_dir).unlock(PIN)
