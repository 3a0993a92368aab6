"""The team lead's evidence screens in the real web app at laptop size (1440×900): Wat werkt
with its forest plot, Straten with the sliding street first, and Vaste gezichten on Overzicht.
Takes the README's ``laptop-what-works.png``, ``laptop-streets.png`` and
``laptop-familiar-faces.png`` (CanvasKit renderer)."""

from __future__ import annotations

import re

import pytest

from app.demo_history import SLIDING
from tests.e2e.harness import LAPTOP, nav, open_app, screenshot, tap
from tests.e2e.test_team_lead import server  # noqa: F401 - the fixture

pytestmark = pytest.mark.e2e


def test_what_works_streets_and_familiar_faces(browser, server):  # noqa: F811
    page = open_app(browser, server.url, LAPTOP)
    host = page.locator("flt-semantics-host")

    nav(page, "Wat werkt")
    host.get_by_text("Sleutelfiguur in het netwerk").first.wait_for()
    host.get_by_text(re.compile(r"90%: ")).first.wait_for()
    host.get_by_text("te weinig gegevens").first.wait_for()
    host.get_by_text(re.compile("Samenhang, geen bewijs van oorzaak")).first.wait_for()
    screenshot(page, "laptop-what-works")

    nav(page, "Straten")
    signals = page.get_by_role("button", name=re.compile(r"^Signalen \(\d+\)")).first
    signals.wait_for()
    screenshot(page, "laptop-streets")
    tap(page, signals)  # the first street is the sliding one
    host.get_by_text(re.compile(rf"^Signalen {SLIDING}: \d+")).first.wait_for()
    tap(page, page.get_by_role("button", name="Terug", exact=True).last)

    nav(page, "Overzicht")
    faces = page.get_by_role("button", name=re.compile(r"^Zelfde contactpersoon 12\+ maanden"))
    faces.first.wait_for()
    faces.first.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    screenshot(page, "laptop-familiar-faces")
    tap(page, faces.first)
    host.get_by_text(re.compile(r"^Zelfde contactpersoon 12\+ maanden: \d+")).first.wait_for()
