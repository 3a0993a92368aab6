"""The tie dialog, shared by the ecogram (from the resident's side) and the network person's page
(from the person's side): pick the other end, kind, strength, support."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import flet as ft

from app.domain import vocab as codes
from app.domain.models import Tie
from app.i18n import t
from app.services import network as service
from app.services.tie_form import TieForm
from app.ui.forms import bound_choice, bound_field, finish_form
from app.ui.handlers import guard
from app.ui.widgets import (
    TOUCH,
    ResidentPicker,
    error_text,
    field,
    form_dialog,
    muted,
    refresh,
)

if TYPE_CHECKING:
    from app.ui.shell import App


class PersonPicker(ft.Column):
    """Search network people and key figures, or type the name of a new one."""

    def __init__(self, app: App, on_pick: Callable[[str, str], None]):
        self.app, self.on_pick = app, on_pick
        self.search = field(t("network.search"), on_change=self._changed,
                            prefix_icon=ft.Icons.SEARCH)
        self.results = ft.Column(spacing=0)
        super().__init__([self.search, self.results], spacing=4, tight=True,
                         horizontal_alignment=ft.CrossAxisAlignment.STRETCH)

    async def _changed(self, _e: Any) -> None:
        text = self.search.value or ""
        found, _ = await self.app.bg(service.search_people, self.app.store, text, False, 0, 6)
        if (self.search.value or "") != text:
            return
        self.results.controls = [ft.ListTile(
            title=ft.Text(p.name), subtitle=ft.Text(p.organisation or p.offers or ""),
            on_click=lambda _e, p=p: self._picked(p.id, p.name), min_height=TOUCH)
            for p in found] if text.strip() else []
        if text.strip():
            self.results.controls.append(ft.ListTile(
                leading=ft.Icon(ft.Icons.PERSON_ADD),
                title=ft.Text(t("network.create_named", name=text.strip())),
                on_click=lambda _e: self._picked("", text.strip()), min_height=TOUCH))
        refresh(self.results)

    def _picked(self, pid: str, name: str) -> None:
        self.results.controls = []
        self.search.value = name
        refresh(self)
        self.on_pick(pid, name)


def open_tie_dialog(app: App, on_saved: Callable[[], Awaitable[None]],
                    resident: tuple[str, str] | None = None,
                    person: tuple[str, str] | None = None, tie: Tie | None = None) -> None:
    """Add a tie from either side, or edit (or remove) an existing one. The dialog shows a
    ``TieForm``: each control writes its change into it."""
    form = TieForm.of(tie, resident, person)
    other = ft.Text(weight=ft.FontWeight.W_600)
    other_error = error_text()

    def show_ends() -> None:
        other.value = form.ends()
        other.visible = bool(other.value)

    def pick_person(pid: str, name: str) -> None:
        form.person = (pid, name)
        show_ends()
        refresh(other)

    async def pick_resident(rid: str, name: str) -> None:
        form.resident = (rid, name)
        show_ends()
        refresh(other)

    show_ends()
    picker: ft.Control = muted("")
    if tie is None and resident is not None:
        picker = PersonPicker(app, pick_person)
    elif tie is None and person is not None:
        picker = ResidentPicker(app, pick_resident, label=t("tie.search_resident"))
    kind = bound_choice(form, "kind", "tie", codes.TIE_KINDS)
    strength = bound_choice(form, "strength", "strength", codes.STRENGTHS)
    support = bound_choice(form, "support", "support", codes.SUPPORT_KINDS, multi=True)
    note = bound_field(form, "note", t("tie.note"))

    @guard(app)
    async def save(_e: Any) -> None:
        _, errors = await app.bg(form.save, app.store, app.ctx)
        if await finish_form(app, dialog, errors,
                             [(other_error, ("person", "resident")), (note, "note")],
                             "tie.saved"):
            await on_saved()

    body = ft.Column([other, picker, other_error, ft.Text(t("tie.kind")), kind,
                      ft.Text(t("tie.strength")), strength, ft.Text(t("tie.support")), support,
                      note], tight=True, spacing=8)
    dialog = form_dialog(t("tie.edit") if tie else t("tie.add"), body, save)
    if tie is not None:
        @guard(app)
        async def remove(_e: Any) -> None:
            await app.bg(form.remove, app.store)
            await finish_form(app, dialog, {}, toast="tie.removed")
            await on_saved()

        dialog.actions.insert(0, ft.TextButton(content=t("tie.remove"), on_click=remove,
                                               icon=ft.Icons.DELETE, height=TOUCH))
    app.dialog(dialog)
