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
from app.ui.forms import finish_form
from app.ui.handlers import guard
from app.ui.widgets import (
    TOUCH,
    Choice,
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
    """Add a tie from either side, or edit (or remove) an existing one."""
    chosen: dict[str, tuple[str, str] | None] = {"resident": resident, "person": person}
    other = ft.Text(weight=ft.FontWeight.W_600)
    other_error = error_text()

    def label() -> None:
        r, p = chosen["resident"], chosen["person"]
        other.value = " ↔ ".join(x[1] for x in (r, p) if x)
        other.visible = bool(r or p)

    def pick_person(pid: str, name: str) -> None:
        chosen["person"] = (pid, name)
        label()
        refresh(other)

    async def pick_resident(rid: str, name: str) -> None:
        chosen["resident"] = (rid, name)
        label()
        refresh(other)

    label()
    picker: ft.Control = muted("")
    if tie is None and resident is not None:
        picker = PersonPicker(app, pick_person)
    elif tie is None and person is not None:
        picker = ResidentPicker(app, pick_resident, label=t("tie.search_resident"))
    kind = Choice("tie", codes.TIE_KINDS, [tie.kind if tie else "friend"])
    strength = Choice("strength", codes.STRENGTHS, [tie.strength if tie else "strong"])
    support = Choice("support", codes.SUPPORT_KINDS, tie.support if tie else [], multi=True)
    note = field(t("tie.note"), value=(tie.note or "") if tie else "")

    @guard(app)
    async def save(_e: Any) -> None:
        ctx, store = app.ctx, app.store
        r, p = chosen["resident"], chosen["person"]
        person_id = p[0] if p else None
        if p and not p[0]:  # a new network person, named in the search field
            person_id, errors = await app.bg(service.save_person, store, ctx, {"name": p[1]})
        tie_id, errors = await app.bg(
            service.save_tie, store, ctx, r[0] if r else None, person_id,
            kind.first(), strength.first(), support.value, note.value or "",
            tie.id if tie else None)
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
            await app.bg(service.remove_tie, app.store, tie.id)
            await finish_form(app, dialog, {}, toast="tie.removed")
            await on_saved()

        dialog.actions.insert(0, ft.TextButton(content=t("tie.remove"), on_click=remove,
                                               icon=ft.Icons.DELETE, height=TOUCH))
    app.dialog(dialog)
