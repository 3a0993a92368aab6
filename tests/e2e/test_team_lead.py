"""A team lead on a laptop (1440×900): the overview with its charts, a warm handover and an
export, on the real web app; checked in the database and on disk. Takes the README's
screenshots ``laptop-overview.png`` and ``laptop-handover.png`` (CanvasKit renderer)."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator

import pytest

from app.demo import seed
from app.domain.models import Household
from tests.e2e.harness import (
    LAPTOP,
    AppServer,
    choose,
    device_store,
    fill,
    nav,
    open_app,
    screenshot,
    tap,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[AppServer]:
    data_dir = tmp_path_factory.mktemp("lead")
    store = device_store(data_dir)
    try:
        ids = seed(store)
        lead = ids["workers"][4]  # Fatma Yıldız, team_lead
        store.set_meta("worker_id", lead)
        store.set_meta("role", "team_lead")
    finally:
        store.close()
    srv = AppServer(data_dir, renderer="canvaskit", seed_demo=False).start()
    srv.ids = ids
    yield srv
    srv.stop()



def test_overview_handover_and_export(browser, server):
    page = open_app(browser, server.url, LAPTOP)
    host = page.locator("flt-semantics-host")

    nav(page, "Overzicht")
    contacts = page.get_by_role("button", name=re.compile(r"^Contacten\s+\d+")).first
    contacts.wait_for()
    page.wait_for_timeout(800)  # the charts animate in
    screenshot(page, "laptop-overview")
    tap(page, contacts)
    page.get_by_text(re.compile(r"^Contacten: \d+")).first.wait_for()
    tap(page, page.get_by_role("button", name="Terug", exact=True).last)

    choose(page, "checkbox", "Zelf kiezen")  # a period typed by the team lead
    fill(page, "Van (dd-mm-jjjj)", "31-02-2026")
    tap(page, page.get_by_role("button", name="Toon", exact=True))
    host.get_by_text("Geen geldige datum", exact=False).first.wait_for()
    fill(page, "Van (dd-mm-jjjj)", "01-09-2026")
    fill(page, "Tot en met (dd-mm-jjjj)", "30-09-2026")
    tap(page, page.get_by_role("button", name="Toon", exact=True))
    host.get_by_text("01-09-2026 – 30-09-2026").first.wait_for()

    nav(page, "Overdracht")
    leaving, taker = server.ids["workers"][0], server.ids["workers"][2]
    choose(page, "checkbox", "Sanne de Vries")
    host.get_by_text(re.compile(r"\d+ huishoudens, \d+ open afspraken")).first.wait_for()
    choose(page, "checkbox", "Petra Jansen", nth=1)  # the worker who takes over
    tap(page, page.get_by_role("button", name="Overdragen", exact=True))
    page.get_by_text("Overdracht bevestigen").first.wait_for()  # asks first
    assert [h for h in server.rows(Household) if h.primary_worker_id == leaving]
    tap(page, page.get_by_role("button", name="Ja, overdragen", exact=True))
    host.get_by_text("Overdracht per huishouden").first.wait_for()  # the summaries: done
    homes = server.rows(Household)
    assert not [h for h in homes if h.primary_worker_id in (None, leaving)]
    assert any(h.primary_worker_id == taker for h in homes)
    page.wait_for_timeout(400)
    screenshot(page, "laptop-handover")

    nav(page, "Rapportage")
    downloads = []
    page.on("download", lambda d: downloads.append(d))  # save_file: a download in a browser
    tap(page, page.get_by_role("button", name="PDF en CSV maken", exact=True))
    # a PDF with charts, on 2 busy cores; the lines under the button say what was made
    host.get_by_text(re.compile(r"en 10 CSV-bestanden")).first.wait_for(timeout=60_000)
    [pdf, packed] = sorted(downloads, key=lambda d: d.suggested_filename)
    assert pdf.suggested_filename.startswith("rapportage-")
    assert open(pdf.path(), "rb").read(5) == b"%PDF-"
    with zipfile.ZipFile(packed.path()) as z:
        # the records and the what-works figures
        assert len([n for n in z.namelist() if n.endswith(".csv")]) == 6 + 4
    assert not (server.data_dir / "exports").exists()  # nothing left in the app's own folder
    page.context.close()


def test_online_only_screens_say_kindly_when_not_enrolled(browser, server, tmp_path):
    """Conflicts and devices need the sync server; this laptop has none: no crash, plain words."""
    page = open_app(browser, server.url, LAPTOP)
    host = page.locator("flt-semantics-host")
    for label in ("Conflicten", "Apparaten"):
        nav(page, label)
        host.get_by_text(re.compile("nog niet gekoppeld aan een server")).first.wait_for()
    page.screenshot(path=str(tmp_path / "devices.png"))
    page.context.close()
