"""A searchable paged list whose items open a page: on a phone the page replaces the list, on a
wide screen it opens beside it. Residents and the network registry are built this way."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Protocol

import flet as ft

from app.ui.handlers import guarded
from app.ui.widgets import Fetch, PagedList, refresh

if TYPE_CHECKING:
    from app.ui.shell import App


class Page(Protocol):
    def build(self) -> ft.Control: ...

    async def load(self) -> None: ...


class ListDetailScreen:
    """Subclasses set ``self.list`` (a ``PagedList`` of ``self._fetch()``) in ``build``, wrap
    their list column with ``split`` and say which page an item opens."""

    list_route: str  # "residents": the route of this screen with an item open beside the list
    item_route: str  # "resident": the route of an item's own page (on a phone)
    list: PagedList
    detail: ft.Container

    def __init__(self, app: App, selected: str | None = None):
        self.app = app
        self.selected = selected
        self._typed = 0

    def _fetch(self) -> Fetch:
        """The PagedList fetch function for the current search."""
        raise NotImplementedError

    def _page(self, item_id: str) -> Page:
        raise NotImplementedError

    def split(self, left: ft.Control) -> ft.Control:
        """The list alone on a phone; list and detail side by side on a wide screen."""
        if not self.app.wide:
            return left
        self.detail = ft.Container(expand=True, padding=ft.Padding.only(left=12))
        return ft.Row([ft.Container(left, width=380), ft.VerticalDivider(width=1), self.detail],
                      expand=True, vertical_alignment=ft.CrossAxisAlignment.STRETCH)

    @guarded
    async def load(self) -> None:
        await self.list.reload()
        if self.selected and self.app.wide:
            await self.open(self.selected)

    async def _changed(self, _e: Any) -> None:
        self._typed += 1
        mine = self._typed
        await asyncio.sleep(0.25)  # wait for the typing to pause
        if mine == self._typed:
            await self.list.reload(self._fetch())

    async def open(self, item_id: str) -> None:
        """Phone: go to the item's page. Wide: show it beside the list."""
        if not self.app.wide:
            await self.app._go(f"{self.item_route}/{item_id}")
            return
        self.app.route = f"{self.list_route}/{item_id}"  # back returns here
        page = self._page(item_id)
        self.detail.content = page.build()
        refresh(self.detail)
        await page.load()
