"""The resident page's dialogs without a browser: each control writes into its model and the
save reads the model, not the controls. A refused legal basis keeps the dialog open with the
error beside the day; the retention term follows the chosen basis; an activation and a new
primary worker are saved as chosen."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import flet as ft
import pytest

from app.domain.models import Household
from app.i18n import DEFAULT, set_language, t
from app.services import context, reads, residents
from app.ui.resident_page import ResidentPage
from app.ui.widgets import Choice

WORKER = "11111111-1111-4111-8111-111111111111"


class FakeApp:
    """The app as a dialog sees it: the store, a thread for store calls, the dialog shown."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.shown: ft.AlertDialog | None = None
        self.pushes = 0

    @property
    def ctx(self) -> context.Context:
        return context.current(self.store)

    async def bg(self, fn: Any, *args: Any) -> Any:
        return await asyncio.to_thread(fn, *args)

    def dialog(self, dialog: ft.AlertDialog) -> None:
        dialog.open = True
        self.shown = dialog

    async def dialog_gone(self, dialog: ft.AlertDialog) -> None:
        assert dialog is self.shown and not dialog.open  # closed before its outcome is said

    async def saved(self) -> None:
        self.pushes += 1

    def toast(self, text: str, announce: bool = False) -> None:
        raise AssertionError(f"no toast expected but {text!r}")

    def go(self, route: str) -> None: ...


@pytest.fixture
def page(store, team):
    set_language(DEFAULT)
    context.set_current(store, WORKER, team, "street_coach")
    hid = store.create("household", team, {"name": "Fam. Yilmaz", "street": "Tulpstraat",
                                           "legal_basis": "consent"})
    rid = store.create("resident", team, {"name": "Ayşe Yilmaz", "household_id": hid})
    screen = ResidentPage(FakeApp(store), rid)

    async def reloaded() -> None:  # the page itself is drawn in the browser tests
        screen.profile = residents.profile(store, rid)

    screen.load = reloaded  # type: ignore[method-assign]
    asyncio.run(reloaded())
    return screen


def _controls(dialog: ft.AlertDialog) -> list[ft.Control]:
    return dialog.content.content.controls


def _choose(chips: Choice, code: Any) -> None:
    asyncio.run(chips._select(SimpleNamespace(control=chips.chips[code])))


def _type(box: ft.TextField, text: str) -> None:
    box.value = text
    box.on_change(None)


def _save(dialog: ft.AlertDialog) -> None:
    asyncio.run(dialog.actions[1].on_click(None))


def test_the_legal_basis_dialog_saves_what_was_chosen_and_typed(page, store):
    app = page.app
    asyncio.run(page._change_basis(None))
    dialog = app.shown
    basis, _error, term, day = _controls(dialog)
    _choose(basis, "public_task_wmo")
    assert term.value == t("retention.term", years="15")
    _type(day, f"{date.today() + timedelta(days=1):%d-%m-%Y}")
    _save(dialog)
    assert day.error == t("error.date_in_future") and dialog.open
    household = store.get(Household, page.profile.household.id)
    assert household.legal_basis == "consent" and app.pushes == 0
    _type(day, "3-2-2025")
    _save(dialog)
    household = store.get(Household, household.id)
    assert (household.legal_basis, household.consent_date) == (
        "public_task_wmo", date(2025, 2, 3))
    assert dialog.open is False and app.pushes == 1


def test_a_new_primary_worker_is_saved_as_chosen(page, store, team):
    other = store.create("worker", team, {"name": "Sanne"})
    asyncio.run(page._change_worker(None))
    dialog = page.app.shown
    _choose(dialog.content.content, other)
    _save(dialog)
    assert store.get(Household, page.profile.household.id).primary_worker_id == other
    assert page.app.pushes == 1


def test_an_activation_is_saved_with_who_what_and_when(page, store, team):
    pid = store.create("network_person", team, {"name": "Karim", "key_figure": True})
    asyncio.run(page._activate(None))
    dialog = page.app.shown
    _text, who, who_error, request, day = _controls(dialog)
    _type(request, "Samen naar de markt")
    _save(dialog)
    assert who_error.value == t("error.person_required") and dialog.open
    assert reads.activations(store, page.rid) == []
    _choose(who, pid)
    _type(day, "5-3-2025")
    page.app.toast = lambda text, announce=False: None  # "activation.saved"
    page._load_network = page.load  # type: ignore[method-assign]
    page.timeline = SimpleNamespace(reload=page.load)
    _save(dialog)
    [saved] = reads.activations(store, page.rid)
    assert (saved.person_ids, saved.request, saved.date) == (
        [pid], "Samen naar de markt", date(2025, 3, 5))
    assert dialog.open is False and page.app.pushes == 1
