"""Bewoners: search by name or street while typing, a paged list, and (on wide screens) the
resident's page beside the list."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import flet as ft

from app.i18n import t
from app.services import residents as service
from app.ui.shell import guarded
from app.ui.widgets import (
    TOUCH,
    PagedList,
    field,
    form_dialog,
    refresh,
    secondary_button,
    show_error,
)

if TYPE_CHECKING:
    from app.ui.shell import App


class ResidentsScreen:
    def __init__(self, app: App, selected: str | None = None):
        self.app = app
        self.selected = selected
        self.title = t("residents.title")
        self._typed = 0

    def build(self) -> ft.Control:
        self.search = field(t("residents.search"), on_change=self._changed,
                            prefix_icon=ft.Icons.SEARCH)
        self.list = PagedList(self.app, self._fetch(""), self._tile, t("residents.none"))
        left = ft.Column([
            self.search,
            ft.Row([secondary_button(t("residents.new"), self._new, icon=ft.Icons.PERSON_ADD)]),
            self.list,
        ], scroll=ft.ScrollMode.AUTO, expand=True,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        if not self.app.wide:
            return left
        self.detail = ft.Container(expand=True, padding=ft.Padding.only(left=12))
        return ft.Row([ft.Container(left, width=380), ft.VerticalDivider(width=1), self.detail],
                      expand=True, vertical_alignment=ft.CrossAxisAlignment.STRETCH)

    def _fetch(self, text: str):  # noqa: ANN202 - returns the PagedList fetch function
        store = self.app.store
        return lambda offset: (lambda p: (p.rows, p.has_more))(service.search(store, text, offset))

    @guarded
    async def load(self) -> None:
        await self.list.reload()
        if self.selected and self.app.wide:
            await self.open(self.selected)

    async def _changed(self, _e: Any) -> None:
        self._typed += 1
        mine = self._typed
        await asyncio.sleep(0.25)
        if mine == self._typed:
            await self.list.reload(self._fetch(self.search.value or ""))

    def _tile(self, row: service.ResidentRow) -> ft.ListTile:
        return ft.ListTile(leading=ft.Icon(ft.Icons.PERSON_OUTLINE), title=ft.Text(row.name),
                           subtitle=ft.Text(f"{row.street} {row.house_number}".strip()),
                           on_click=lambda _e: self.app.page.run_task(self.open, row.id),
                           min_height=TOUCH)

    async def open(self, resident_id: str) -> None:
        """Phone: go to the resident's page. Wide: show it beside the list."""
        if not self.app.wide:
            await self.app._go(f"resident/{resident_id}")
            return
        self.app.route = f"residents/{resident_id}"  # back returns here
        from app.ui.resident_page import ResidentPage

        page = ResidentPage(self.app, resident_id)
        self.detail.content = page.build()
        refresh(self.detail)
        await page.load()

    async def _new(self, _e: Any) -> None:
        name = field(t("resident.name"), capitalization=ft.TextCapitalization.WORDS)
        street = field(t("resident.street"))
        number = field(t("resident.house_number"))
        year = field(t("resident.birth_year"), keyboard_type=ft.KeyboardType.NUMBER)

        @self.app.guard
        async def save(_e: Any) -> None:
            rid, errors = await self.app.bg(service.create_resident, self.app.store,
                                            self.app.ctx, name.value or "", street.value or "",
                                            number.value or "", year.value or "")
            for ctl, key in ((name, "name"), (street, "street"), (year, "birth_year")):
                show_error(ctl, errors.get(key))
            if errors:
                refresh(dialog)
                return
            self.app.close_dialog(dialog)
            self.app.toast(t("resident.created"))
            await self.app.saved()
            await self.list.reload()
            await self.open(rid)

        dialog = form_dialog(t("residents.new"), ft.Column([name, street, number, year],
                                                           tight=True), save)
        self.app.dialog(dialog)
