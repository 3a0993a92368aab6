"""Netwerk: the registry of network people and key figures — what they offer, whom they are tied
to — and a person's page, where a tie is added from the person's side."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

from app.domain.models import NetworkPerson
from app.i18n import t, vocab
from app.services import network as service
from app.services import reads
from app.services.dialog_forms import PersonForm
from app.ui.forms import bound_field, finish_form
from app.ui.handlers import guard, guarded
from app.ui.list_detail import ListDetailScreen
from app.ui.tie_editor import open_tie_dialog
from app.ui.widgets import (
    TOUCH,
    Fetch,
    PagedList,
    field,
    form_dialog,
    heading,
    muted,
    person_label,
    primary_button,
    refresh,
    screen_column,
    secondary_button,
)

if TYPE_CHECKING:
    from app.ui.shell import App


def person_dialog(app: App, on_saved: Any, person: NetworkPerson | None = None) -> None:
    """Create or edit a network person or key figure."""
    form = PersonForm.of(person)
    name = bound_field(form, "name", t("person.name"))  # as typed
    organisation = bound_field(form, "organisation", t("person.organisation"))
    offers = bound_field(form, "offers", t("person.offers"), multiline=True, min_lines=2)
    street = bound_field(form, "street", t("person.street"))
    key = ft.Switch(label=t("person.key_figure"), value=form.key_figure,
                    on_change=lambda e: setattr(form, "key_figure", bool(e.control.value)))

    @guard(app)
    async def save(_e: Any) -> None:
        pid, errors = await app.bg(form.save, app.store, app.ctx)
        if await finish_form(app, dialog, errors, [
                (name, "name"), (organisation, "organisation"), (offers, "offers"),
                (street, "street")], "person.saved"):
            await on_saved(pid)

    dialog = form_dialog(t("person.edit") if person else t("person.new"),
                         ft.Column([name, organisation, offers, street, key], tight=True), save)
    app.dialog(dialog)


class NetworkScreen(ListDetailScreen):
    list_route, item_route = "network", "person"

    def __init__(self, app: App, selected: str | None = None):
        super().__init__(app, selected)
        self.title = t("network.title")

    def build(self) -> ft.Control:
        self.search = field(t("network.search"), on_change=self._changed,
                            prefix_icon=ft.Icons.SEARCH)
        self.key_only = ft.Switch(label=t("network.key_only"), on_change=self._changed)
        self.list = PagedList(self.app, self._fetch(), self._tile, t("network.none"))
        return self.split(screen_column([
            self.search, self.key_only,
            ft.Row([secondary_button(t("person.new"), self._new, icon=ft.Icons.PERSON_ADD)]),
            self.list, ft.Container(height=80),
        ]))

    def _fetch(self) -> Fetch:
        store = self.app.store
        text = self.search.value or ""
        key_only = bool(self.key_only.value)
        return lambda offset: service.search_people(store, text, key_only, offset)

    def _tile(self, p: NetworkPerson) -> ft.ListTile:
        return ft.ListTile(
            leading=ft.Icon(ft.Icons.STAR if p.key_figure else ft.Icons.PERSON_OUTLINE),
            title=ft.Text(person_label(p.name, p.organisation)),
            subtitle=ft.Text(p.offers, max_lines=2),
            on_click=lambda _e: self.app.page.run_task(self.open, p.id), min_height=TOUCH)

    def _page(self, item_id: str) -> PersonPage:
        return PersonPage(self.app, item_id)

    async def _new(self, _e: Any) -> None:
        async def saved(pid: str) -> None:
            await self.list.reload()
            await self.open(pid)

        person_dialog(self.app, saved)


class PersonPage:
    """One network person or key figure: what they offer and whom they are tied to."""

    def __init__(self, app: App, person_id: str):
        self.app = app
        self.pid = person_id
        self.title = t("person.title")
        self.person: NetworkPerson | None = None

    def build(self) -> ft.Control:
        self.header = ft.Column(spacing=4)
        self.ties = ft.Column(spacing=0)
        return screen_column([
            self.header,
            ft.Row([primary_button(t("tie.add_resident"), self._add, icon=ft.Icons.ADD_LINK),
                    secondary_button(t("action.edit"), self._edit, icon=ft.Icons.EDIT)],
                   wrap=True),
            heading(t("person.ties")), self.ties, ft.Container(height=80),
        ], spacing=12)

    @guarded
    async def load(self) -> None:
        self.person = p = await self.app.bg(reads.person, self.app.store, self.pid)
        if p is None:
            self.header.controls = [muted(t("person.gone"), 15)]
            refresh(self.header)
            return
        self.header.controls = [
            ft.Row([ft.Icon(ft.Icons.STAR if p.key_figure else ft.Icons.PERSON),
                    ft.Text(p.name, size=24, weight=ft.FontWeight.W_700)]),
            muted(" · ".join(x for x in (p.organisation or "", p.street,
                                         t("person.is_key_figure") if p.key_figure else "")
                             if x), 15),
            ft.Text(t("person.offers_value", offers=p.offers or "—")),
        ]
        ties = await self.app.bg(reads.person_ties, self.app.store, self.pid)
        self.ties.controls = [ft.ListTile(
            leading=ft.Icon(ft.Icons.PERSON_OUTLINE), title=ft.Text(r.name),
            subtitle=ft.Text(f"{vocab('tie', tie.kind)} · {vocab('strength', tie.strength)}"),
            on_click=lambda _e, tie=tie, r=r: open_tie_dialog(
                self.app, self.load, resident=(r.id, r.name), person=(p.id, p.name), tie=tie),
            min_height=TOUCH) for tie, r in ties] or [muted(t("person.no_ties"), 15)]
        refresh(self.header)
        refresh(self.ties)

    async def _add(self, _e: Any) -> None:
        if self.person:
            open_tie_dialog(self.app, self.load, person=(self.person.id, self.person.name))

    async def _edit(self, _e: Any) -> None:
        async def saved(_pid: str) -> None:
            await self.load()

        person_dialog(self.app, saved, self.person)
