"""The app lifecycle and the back button at phone size, in the real web app.

Flutter's web engine derives the app's lifecycle from the page: ``visibilitychange`` with
``document.visibilityState`` "hidden" is ``hidden``, "visible" (and window focus) is
``resumed``; the framework adds the steps between, so Flet sends ``inactive``, ``hide`` on the
way out and ``show``, ``resume`` on the way back. Headless Chromium never hides a page by
itself, so ``_tab`` sets the page's visibility and dispatches the event the engine listens to.

The browser's Back is not Android's back button: the app keeps all its screens under one
address, so the browser has no entry to go back to and Back leaves the page (see
docs/phones.md). What the browser test proves there is that nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from app.services.contacts import load_draft
from app.services.settings import IDLE_META
from app.store import Store
from app.sync.client import enroll
from sync_server.store import ServerStore
from tests.e2e.harness import (
    PHONE,
    AppServer,
    device_store,
    fill,
    free_port,
    on_field,
    open_app,
    set_idle_lock,
    tap,
    unlock,
    until,
)
from tests.e2e.test_sync_offline import start_server, stop_server

pytestmark = pytest.mark.e2e
NOTE = "Concept: mevrouw vraagt naar de buurtmoestuin"
IDLE_MINUTES = 0.15  # nine seconds: the lock clock of this device, made short


def _tab(page, state: str) -> None:  # noqa: ANN001 - a playwright Page
    """The tab goes to the background ("hidden") or comes back ("visible")."""
    page.evaluate("""state => {
        Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => state});
        Object.defineProperty(document, 'hidden', {configurable: true,
                                                   get: () => state === 'hidden'});
        document.dispatchEvent(new Event('visibilitychange'));
    }""", state)


def _meta(server: AppServer, key: str) -> str | None:
    store = server.store()
    try:
        return store.meta(key)
    finally:
        store.close()


def _draft_note(server: AppServer) -> str:
    store = server.store()
    try:
        return load_draft(store).note
    finally:
        store.close()


def _contact_form(page, note: str) -> None:  # noqa: ANN001
    tap(page, page.get_by_role("button", name="Nieuw contact").first)
    fill(page, "Straat", "Tulpstraat")
    fill(page, "Notitie", note)


@pytest.fixture
def enrolled(tmp_path) -> Iterator[AppServer]:
    """A phone enrolled with a running sync server (its rounds come every 5 minutes)."""
    db, port = tmp_path / "server.db", free_port()
    admin = ServerStore(db)
    team = admin.add_team("Team Oostwijk")
    code = admin.create_enrollment(admin.add_worker("Sanne de Vries", "street_coach", [team]))
    admin.close()
    sync = start_server(db, port)
    phone_dir = tmp_path / "phone"
    store = Store.open_default(phone_dir)
    enroll(store, f"http://127.0.0.1:{port}", code, phone_dir)
    store.close()
    app = AppServer(phone_dir, seed_demo=False).start()
    try:
        yield app
    finally:
        app.stop()
        stop_server(sync)


def test_the_background_keeps_the_draft_and_coming_back_syncs(browser, enrolled) -> None:
    page = open_app(browser, enrolled.url, PHONE)
    until(lambda: _meta(enrolled, "sync.last_success"), "the first sync after unlocking")
    _contact_form(page, NOTE)
    first = _meta(enrolled, "sync.last_success")  # read late: the start's rounds are over
    _tab(page, "hidden")
    until(lambda: _draft_note(enrolled) == NOTE, "the draft written")
    _tab(page, "visible")
    # the next scheduled round is minutes away: a new one now is the return's sync
    until(lambda: _meta(enrolled, "sync.last_success") != first, "a sync on return")
    expect(on_field(page, "Notitie")).to_have_value(NOTE)  # the form is still there
    page.context.close()


@pytest.fixture
def short_idle(tmp_path) -> Iterator[AppServer]:
    store = device_store(tmp_path)
    store.set_meta(IDLE_META, str(IDLE_MINUTES))
    store.close()
    srv = AppServer(tmp_path).start()
    yield srv
    srv.stop()


def test_coming_back_after_the_idle_time_shows_the_lock(browser, short_idle) -> None:
    set_idle_lock(short_idle, 5)  # typing at the default pace: a busy machine may pause 9 s
    page = open_app(browser, short_idle.url, PHONE)
    _contact_form(page, NOTE)
    set_idle_lock(short_idle, IDLE_MINUTES)
    _tab(page, "hidden")
    until(lambda: _draft_note(short_idle) == NOTE, "the draft written")
    # the time away is what is tested here (the lock clock runs on in the background)
    page.wait_for_timeout(IDLE_MINUTES * 60_000)
    _tab(page, "visible")
    page.get_by_role("button", name="Ontgrendelen", exact=True).wait_for()
    expect(page.get_by_role("textbox", name="Notitie")).to_have_count(0)
    set_idle_lock(short_idle, 5)  # the rest of the test at the default pace
    unlock(page)
    expect(on_field(page, "Notitie")).to_have_value(NOTE)  # the draft is back
    page.context.close()


def test_browser_back_from_an_unsaved_form_loses_nothing(browser, short_idle) -> None:
    set_idle_lock(short_idle, 5)
    page = open_app(browser, short_idle.url, PHONE)
    _contact_form(page, NOTE)
    page.go_back()  # the page before the app: the browser keeps no entry per screen
    assert page.url == "about:blank"
    until(lambda: _draft_note(short_idle) == NOTE, "the draft written")
    page.context.close()
    page = open_app(browser, short_idle.url, PHONE)  # opened again later
    tap(page, page.get_by_role("button", name="Nieuw contact").first)
    expect(on_field(page, "Notitie")).to_have_value(NOTE)
    page.context.close()
