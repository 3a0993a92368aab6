"""A screen that shows synced rows loads again when a pull changes them: a team lead looking at
Overzicht sees a coach's new contact counted without navigating away and back.

The lead's laptop runs the real web app against a real sync server; the coach's phone is a
headless device (its store and ``SyncClient``) in this process. The app's runner syncs every
second here (``WIJKWEB_SYNC_INTERVAL``), so the test waits for the state it needs (the count
going up), never for a time.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.domain.models import Contact
from app.services import context
from app.services.contacts import ContactDraft, NewResident, record_contact
from app.services.sync import INTERVAL_ENV
from app.store import Store
from app.sync.client import SyncClient, enroll
from app.sync.config import DeviceConfig
from sync_server.store import ServerStore
from tests.e2e.harness import BOUND_MS, LAPTOP, AppServer, device_store, free_port, nav, open_app
from tests.e2e.test_sync_offline import start_server, stop_server

pytestmark = pytest.mark.e2e


def test_the_leads_overview_counts_a_coachs_contact_once_it_syncs(browser, tmp_path):
    db, port = tmp_path / "server.db", free_port()
    admin = ServerStore(db)
    team = admin.add_team("Team Oostwijk")
    lead = admin.add_worker("Fatma Yıldız", "team_lead", [team])
    coach = admin.add_worker("Sanne de Vries", "street_coach", [team])
    lead_code, coach_code = admin.create_enrollment(lead), admin.create_enrollment(coach)
    admin.close()
    server = start_server(db, port)
    url = f"http://127.0.0.1:{port}"
    lead_dir, coach_dir = tmp_path / "lead", tmp_path / "coach"
    store = device_store(lead_dir)
    enroll(store, url, lead_code, lead_dir)
    store.close()
    phone = Store(coach_dir / "wijkweb.sqlite")
    enroll(phone, url, coach_code, coach_dir)

    app = AppServer(lead_dir, seed_demo=False, env={INTERVAL_ENV: "1"}).start()
    try:
        page = open_app(browser, app.url, LAPTOP)
        nav(page, "Overzicht")
        host = page.locator("flt-semantics-host")
        expect(host.get_by_role("button", name=re.compile(r"^Contacten\s+0\b"))).to_be_visible(
            timeout=BOUND_MS)

        draft = ContactDraft(new_residents=[NewResident("Noor Visser", "Kievitplein")],
                             street="Kievitplein", note="Bij de voordeur gesproken")
        recorded = record_contact(phone, context.current(phone), draft)
        config = DeviceConfig.load(coach_dir, phone.data_key)
        assert config is not None
        with SyncClient(phone, config) as client:
            assert client.sync().pushed >= 2  # the contact and its new resident
        assert phone.pending_count() == 0

        # the lead does nothing: the app's next round pulls the contact, Overzicht counts it
        expect(host.get_by_role("button", name=re.compile(r"^Contacten\s+1\b"))).to_be_visible(
            timeout=60_000)  # a bound for a busy machine; it passes as soon as the row arrives
        assert [c.id for c in app.rows(Contact)] == [recorded.contact_id]
        page.context.close()
    finally:
        phone.close()
        app.stop()
        stop_server(server)
