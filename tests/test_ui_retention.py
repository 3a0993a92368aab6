"""A household's page shows the retention term that follows from its legal basis, read from
the one table the server's purge applies (``wijkweb_protocol.retention``)."""

from __future__ import annotations

from types import SimpleNamespace

import flet as ft
import pytest

from app.demo import seed
from app.domain import vocab
from app.i18n import t
from app.services import residents, retention
from app.ui.resident_page import ResidentPage
from wijkweb_protocol.retention import RULES


def _texts(control: ft.Control) -> list[str]:
    out = [control.value] if isinstance(control, ft.Text) and control.value else []
    for child in getattr(control, "controls", None) or []:
        out += _texts(child)
    return out


@pytest.mark.parametrize("basis", vocab.LEGAL_BASES)
def test_every_legal_basis_has_a_term_from_the_servers_table(basis):
    assert float(retention.term_years(basis)) == RULES[basis].years > 0


def test_an_unknown_basis_gets_the_strictest_term():
    assert retention.term_years("gossip") == retention.term_years("consent")


def test_the_resident_page_shows_the_term_of_its_basis(store):
    ids = seed(store)
    rid = ids["residents"][0]
    profile = residents.profile(store, rid)
    for basis in ("public_task_youth", "consent"):
        assert not residents.set_legal_basis(store, profile.household.id, basis, "01-02-2026")
        page = ResidentPage(SimpleNamespace(store=store), rid)
        page.build()
        page.profile = residents.profile(store, rid)
        page._render_header()
        shown = _texts(page.admin)  # the administration, below dreams and talents
        assert t("retention.term", years=f"{RULES[basis].years:g}") in shown


def test_missing_consent_reads_as_one_thing_and_dreams_come_first(store):
    ids = seed(store)
    rid = ids["residents"][0]
    profile = residents.profile(store, rid)
    store.update("household", profile.household.id, {"legal_basis": "consent",
                                                      "consent_date": None})
    page = ResidentPage(SimpleNamespace(store=store), rid)
    body = page.build()
    page.profile = residents.profile(store, rid)
    page._render_header()
    admin = _texts(page.admin)
    assert t("resident.legal_basis", basis=t("resident.consent_not_recorded")) in admin
    assert t("resident.legal_basis", basis=t("legal_basis.consent")) not in admin
    assert [c.content.value for c in page.header.controls if isinstance(c, ft.TextButton)
            ] == [t("resident.consent_missing")]  # one tap to record it
    order = body.controls
    assert order.index(page.lists) < order.index(page.admin)  # dreams before administration
