"""Exports at phone size: the report's PDF and the CSV ZIP go through ``FilePicker.save_file``
(the save/share dialog on a phone, a download in a browser), nothing into the app's folder.

The reports screen is a team lead's screen and not among the five places of the phone's bar,
so the test opens it on a laptop-wide window and then turns the window into a phone (the app
builds its phone layout on the resize, on the same screen)."""

from __future__ import annotations

import re
import zipfile

import pytest
from playwright.sync_api import expect

from tests.e2e.harness import LAPTOP, PHONE, nav, open_app, tap
from tests.e2e.test_team_lead import server  # noqa: F401 - the fixture

pytestmark = pytest.mark.e2e


def test_an_export_at_phone_size_is_handed_over_as_downloads(browser, server):  # noqa: F811
    page = open_app(browser, server.url, LAPTOP)
    nav(page, "Rapportage")
    export = page.get_by_role("button", name="PDF en CSV maken", exact=True)
    export.wait_for()
    page.set_viewport_size(PHONE)
    expect(page.get_by_role("tab")).to_have_count(5)  # the phone's bar, not the rail
    downloads = []
    page.on("download", lambda d: downloads.append(d))
    export.scroll_into_view_if_needed()
    tap(page, export)
    host = page.locator("flt-semantics-host")
    host.get_by_text(re.compile(r"en 10 CSV-bestanden")).first.wait_for(timeout=60_000)
    [pdf, packed] = sorted(downloads, key=lambda d: d.suggested_filename)
    assert open(pdf.path(), "rb").read(5) == b"%PDF-"
    with zipfile.ZipFile(packed.path()) as z:
        assert len([n for n in z.namelist() if n.endswith(".csv")]) == 6 + 4
    assert not (server.data_dir / "exports").exists()
    page.context.close()
