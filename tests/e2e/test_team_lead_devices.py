"""Devices and people on a 1024×768 laptop: every destination of the team lead's rail is
reachable at that height, an enrollment code shows as text and as a QR image, and a lost phone is
revoked (checked on the real sync server). Takes the README's ``laptop-devices.png``."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.sync.client import enroll
from sync_server.store import ServerStore
from tests.e2e.harness import (
    TABLET,
    AppServer,
    announced,
    device_store,
    nav,
    open_app,
    screenshot,
    tap,
)
from tests.server_fixtures import spawn_server

pytestmark = pytest.mark.e2e


def test_enroll_code_with_qr_and_revoke_a_lost_phone(browser, tmp_path):
    db = tmp_path / "server.db"
    admin = ServerStore(db)
    team = admin.add_team("Team Oostwijk")
    lead = admin.add_worker("Fatma Yıldız", "team_lead", [team])
    coach = admin.add_worker("Sanne de Vries", "street_coach", [team])
    codes = {lead: admin.create_enrollment(lead), coach: admin.create_enrollment(coach)}
    admin.close()
    proc, url = spawn_server(db)
    try:
        for name, worker in (("laptop", lead), ("phone", coach)):
            store = device_store(tmp_path / name)
            enroll(store, url, codes[worker], tmp_path / name)
            store.close()
        app = AppServer(tmp_path / "laptop", seed_demo=False).start()
        try:
            page = open_app(browser, app.url, TABLET)
            last = page.get_by_role("button", name=re.compile(r"^Apparaten Tab"))
            expect(last).to_be_in_viewport()
            nav(page, "Apparaten")
            page.get_by_role("button", name="Intrekken").first.wait_for()

            tap(page, page.get_by_role("button", name="Nieuw apparaat koppelen").nth(1))
            qr = page.get_by_role("img", name=re.compile(r"^QR-code van koppelcode "))
            qr.wait_for()
            code = re.search(r"koppelcode (\S+)", qr.get_attribute("aria-label") or "")[1]
            assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code)
            box = qr.bounding_box()
            assert box and box["width"] >= 200 and box["height"] >= 200
            page.wait_for_timeout(300)  # the dialog fades in
            screenshot(page, "laptop-devices")
            tap(page, page.get_by_role("button", name="Sluiten", exact=True))
            expect(qr).to_have_count(0)

            revoke = page.get_by_role("button", name="Intrekken")
            tap(page, revoke.first)
            page.get_by_text("Apparaat intrekken?").wait_for()
            tap(page, revoke.last)  # the confirmation's own button
            announced(page, "is ingetrokken.")  # said aloud as the dialog closes
            page.get_by_label(re.compile("Ingetrokken")).first.wait_for()  # the list marks it
            page.context.close()
        finally:
            app.stop()
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    admin = ServerStore(db)
    try:
        devices = {d["worker"]: d for d in admin.devices()}
    finally:
        admin.close()
    assert devices[coach]["revoked"] and not devices[lead]["revoked"]
