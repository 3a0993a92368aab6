"""Every record opens: a contact in Vandaag opens whole (a 5,000-character note) and is corrected
as a normal synced edit, at phone size."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from app.domain.models import Contact
from app.services import context
from tests.e2e.harness import PHONE, AppServer, announced, open_app, sent, sent_on, tap

pytestmark = pytest.mark.e2e

LONG_NOTE = " ".join(f"Zin {i}: gesprek over de huur, de school en de buren." for i in range(100))
LONG_NOTE = LONG_NOTE[:4990] + " EINDE."


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[AppServer]:
    srv = AppServer(tmp_path_factory.mktemp("records")).start()
    yield srv
    srv.stop()


def test_a_contact_in_vandaag_opens_whole_and_is_corrected(browser, server):
    store = server.store()
    try:
        ctx = context.current(store)
        [(resident, _)] = store.search_residents("Ayşe", limit=1)
        cid = store.create("contact", ctx.team(), {
            "at": datetime.now(UTC), "worker_id": ctx.worker_id, "street": "Lindelaan",
            "resident_ids": [resident.id], "channel": "street", "note": LONG_NOTE})
        before = store.pending_count()
    finally:
        store.close()
    assert len(LONG_NOTE) == 4997
    page = open_app(browser, server.url, PHONE)
    tap(page, page.get_by_role("button", name=resident.name).first)
    save = page.get_by_role("button", name="Correctie opslaan", exact=True)
    save.wait_for()
    # loaded (the layout no longer moves under a tap): when and by whom it was recorded
    page.locator("flt-semantics-host").get_by_text("Vastgelegd op").first.wait_for()
    note = page.get_by_role("textbox", name="Notitie")
    note.scroll_into_view_if_needed()
    # the field is taller than the screen: tap its first line, not its middle (off screen,
    # where the tap would land on whatever is drawn there)
    note.click(position={"x": 60, "y": 24})
    page.wait_for_function("() => (document.activeElement?.getAttribute('aria-label') || '')"
                           ".includes('Notitie')")
    expect(note).to_have_value(LONG_NOTE)  # the whole text, not three lines of it
    corrected = LONG_NOTE.replace("EINDE.", "Gecorrigeerd: de huur is betaald.")
    since = sent(page)
    note.fill(corrected)
    expect(note).to_have_value(corrected)
    sent_on(page, since, corrected)  # the tap on save must not overtake it
    tap(page, save)
    announced(page, "Correctie opgeslagen")
    store = server.store()
    try:
        saved = store.get(Contact, cid)
        # the contact's creation, then the correction: the note alone, stamped after it
        [made, change] = [c for c in store.outbox(10**6) if c.id == cid]
        assert store.pending_count() == before + 1
    finally:
        store.close()
    assert saved.note == corrected and saved.resident_ids == [resident.id]
    assert set(change.fields) == {"note"}
    assert change.fields["note"][0] == corrected
    assert change.fields["note"][2] == made.fields["note"][1]  # based on what it saw
    page.context.close()
