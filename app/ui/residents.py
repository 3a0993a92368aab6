"""Bewoners: search by name or street while typing, a paged list, and (on wide screens) the
resident's page beside the list."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

from app.i18n import t
from app.services import residents as service
from app.services.dialog_forms import ResidentForm
from app.ui.forms import bound_field, finish_form
from app.ui.handlers import guard
from app.ui.list_detail import ListDetailScreen
from app.ui.resident_page import ResidentPage
from app.ui.widgets import (
    Fetch,
    PagedList,
    field,
    form_dialog,
    resident_tile,
    screen_column,
    secondary_button,
)

if TYPE_CHECKING:
    from app.ui.shell import App


class ResidentsScreen(ListDetailScreen):
    list_route, item_route = "residents", "resident"

    def __init__(self, app: App, selected: str | None = None):
        super().__init__(app, selected)
        self.title = t("residents.title")

    def build(self) -> ft.Control:
        self.search = field(t("residents.search"), on_change=self._changed,
                            prefix_icon=ft.Icons.SEARCH)
        self.list = PagedList(self.app, self._fetch(), self._tile, t("residents.none"))
        return self.split(screen_column([
            self.search,
            ft.Row([secondary_button(t("residents.new"), self._new, icon=ft.Icons.PERSON_ADD)]),
            self.list,
        ]))

    def _fetch(self) -> Fetch:
        store, text = self.app.store, self.search.value or ""
        return lambda offset: (lambda p: (p.rows, p.has_more))(service.search(store, text, offset))

    def _tile(self, row: service.ResidentRow) -> ft.ListTile:
        return resident_tile(row, lambda _e: self.app.page.run_task(self.open, row.id))

    def _page(self, item_id: str) -> ResidentPage:
        return ResidentPage(self.app, item_id)

    async def _new(self, _e: Any) -> None:
        form = ResidentForm()
        name = bound_field(form, "name", t("resident.name"))  # as typed: "de Groot" stays
        street = bound_field(form, "street", t("resident.street"))
        number = bound_field(form, "house_number", t("resident.house_number"))
        year = bound_field(form, "birth_year", t("resident.birth_year"),
                           keyboard_type=ft.KeyboardType.NUMBER)

        @guard(self.app)
        async def save(_e: Any) -> None:
            rid, errors = await self.app.bg(form.save, self.app.store, self.app.ctx)
            if await finish_form(self.app, dialog, errors, [
                    (name, "name"), (street, "street"), (year, "birth_year")],
                    "resident.created"):
                assert rid is not None  # saved without errors
                await self.list.reload()
                await self.open(rid)

        dialog = form_dialog(t("residents.new"), ft.Column([name, street, number, year],
                                                           tight=True), save)
        self.app.dialog(dialog)
