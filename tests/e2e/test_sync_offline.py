"""Offline first, end to end: record with the server down, start it, see it on a second device.

Both devices were enrolled by a version without encryption: the phone's database is converted
when its PIN is chosen in the browser, the laptop's by the headless sync with ``WIJKWEB_PIN``.
"""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest

from app.domain.models import Contact
from app.store import Store
from app.sync.client import enroll
from sync_server.store import ServerStore
from tests.e2e.harness import (
    PHONE,
    PIN,
    ROOT,
    AppServer,
    announced,
    choose,
    device_store,
    fill,
    free_port,
    open_app,
    tap,
    until,
)

pytestmark = pytest.mark.e2e


def start_server(db, port: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "sync_server", "serve", "--db", str(db),
                             "--port", str(port)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout.readline().startswith("listening on ")
    return proc


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    proc.wait(timeout=60)


def test_a_contact_recorded_while_the_server_is_down_reaches_a_second_device(
        browser, tmp_path):
    db, port = tmp_path / "server.db", free_port()
    admin = ServerStore(db)
    team = admin.add_team("Team Oostwijk")
    coach = admin.add_worker("Sanne de Vries", "street_coach", [team])
    codes = [admin.create_enrollment(coach), admin.create_enrollment(coach)]
    admin.close()
    server = start_server(db, port)
    url = f"http://127.0.0.1:{port}"
    phone_dir, laptop_dir = tmp_path / "phone", tmp_path / "laptop"
    for data_dir, code in ((phone_dir, codes[0]), (laptop_dir, codes[1])):
        store = Store.open_default(data_dir)
        enroll(store, url, code, data_dir)
        store.close()
    stop_server(server)  # from here on the phone works offline
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/v1/health")

    app = AppServer(phone_dir, seed_demo=False).start()
    try:
        page = open_app(browser, app.url, PHONE)
        tap(page, page.get_by_role("button", name="Nieuw contact").first)
        choose(page, "switch", "Anonieme groep")
        fill(page, "Aantal", "4")
        fill(page, "Straat", "Kievitplein")
        fill(page, "Notitie", "Jongeren bij het pleintje, rustig gesprek")
        tap(page, page.get_by_role("button", name="Opslaan", exact=True))
        announced(page, "Contact opgeslagen")
        page.locator("flt-semantics-host").get_by_text("Offline", exact=False).first.wait_for()

        server = start_server(db, port)  # connectivity returns
        tap(page, page.get_by_label("Instellingen").first)
        tap(page, page.get_by_role("button", name="Nu synchroniseren", exact=True))
        phone = app.store()
        until(lambda: phone.pending_count() == 0, "the phone's contact sent")
        phone.close()

        result = subprocess.run([sys.executable, "-m", "app", "sync", "--data-dir",
                                 str(laptop_dir)], cwd=ROOT, capture_output=True, text=True,
                                timeout=60, env={**os.environ, "WIJKWEB_PIN": PIN})
        assert result.returncode == 0, result.stderr
        laptop = device_store(laptop_dir)
        with laptop.session() as s:
            from sqlmodel import select
            [contact] = s.exec(select(Contact)).all()
        laptop.close()
        assert (contact.group_size, contact.street) == (4, "Kievitplein")
        assert contact.note == "Jongeren bij het pleintje, rustig gesprek"
        page.context.close()
    finally:
        app.stop()
        stop_server(server)
