"""Refused changes at phone size: one save that wrote a resident of another team is refused by
the real server (with its partner, ``tx_rejected``); the badge says "2 geweigerd", the list says
which record and why, one is discarded after a confirmation and the other sent again, after
which the badge says "Bijgewerkt" (checked in the database).
Takes the README's ``phone-refused.png``."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.sync.client import SyncClient, enroll
from app.sync.config import DeviceConfig
from sync_server.store import ServerStore
from tests.e2e.harness import PHONE, AppServer, announced, device_store, open_app, screenshot, tap
from tests.server_fixtures import spawn_server

pytestmark = pytest.mark.e2e


def test_a_refused_change_shows_on_the_badge_and_the_list_and_is_discarded(browser, tmp_path):
    db = tmp_path / "server.db"
    admin = ServerStore(db)
    noord, zuid = admin.add_team("Team Noord"), admin.add_team("Team Zuid")
    code = admin.create_enrollment(admin.add_worker("Sanne de Vries", "street_coach", [noord]))
    admin.close()
    proc, url = spawn_server(db)
    phone = tmp_path / "phone"
    try:
        store = device_store(phone)
        try:
            enroll(store, url, code, phone)
            with store.transaction():
                store.create("resident", noord, {"name": "Ayşe Kaya"})
                stray = store.create("resident", zuid, {"name": "Verkeerd Team"})
            with SyncClient(store, DeviceConfig.load(phone, store.data_key)) as client:
                assert len(client.sync().rejected) == 2
        finally:
            store.close()

        app = AppServer(phone, seed_demo=False).start()
        try:
            page = open_app(browser, app.url, PHONE)
            host = page.locator("flt-semantics-host")
            badge = host.get_by_text("2 geweigerd")
            badge.first.wait_for()
            expect(host.get_by_text("Bijgewerkt")).to_have_count(0)
            tap(page, badge.first)
            stray_card = page.get_by_label("Bewoner: Verkeerd Team")  # a card reads as one
            stray_card.first.wait_for()
            expect(stray_card.first).to_have_attribute(
                "aria-label", re.compile("Waarom: Je hoort \\(niet meer\\) bij het team"))
            expect(stray_card.first).to_have_attribute(
                "aria-label", re.compile("Verbeteren helpt hier niet"))
            page.get_by_label("Bewoner: Ayşe Kaya").first.wait_for()
            screenshot(page, "phone-refused")

            discard = page.get_by_role("button", name="Weggooien", exact=True)
            expect(discard).to_have_count(2)
            tap(page, discard.nth(1))  # oldest first: the second card is the stray resident
            host.get_by_text("Wijziging weggooien?").wait_for()
            tap(page, discard.last)  # the confirmation's own button
            announced(page, "De wijziging is weggegooid.")
            host.get_by_text("1 geweigerd").first.wait_for()
            expect(stray_card).to_have_count(0)

            saved = app.store()
            try:
                assert saved.rejected_count() == 1
                assert saved.values("resident", stray) is None
            finally:
                saved.close()

            tap(page, page.get_by_role("button", name="Opnieuw versturen", exact=True))
            announced(page, "De wijziging wordt opnieuw verstuurd.")
            host.get_by_text("Bijgewerkt").first.wait_for()  # the runner sent it
            saved = app.store()
            try:
                assert (saved.rejected_count(), saved.pending_count()) == (0, 0)
            finally:
                saved.close()
            page.context.close()
        finally:
            app.stop()
    finally:
        proc.terminate()
        proc.wait(timeout=60)
