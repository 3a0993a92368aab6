"""Widgets more than one screen uses: form fields with errors, choice chips, paged lists, the
resident picker and the sync badge. Every control a screen reader (or a test) needs is named.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import flet as ft

from app.i18n import t, vocab
from app.services import residents as residents_service
from app.services import sync as sync_service
from app.services.forms import Invalid, optional_date

if TYPE_CHECKING:
    from app.ui.shell import App

TOUCH = 48  # minimum height of anything tapped, in px
ERROR = ft.Colors.RED_800
MUTED = ft.Colors.ON_SURFACE_VARIANT
OVERDUE = ft.Colors.RED_800

Fetch = Callable[[int], tuple[list[Any], bool]]
"""A paged list's source: ``fetch(offset)`` → (the items of one page, whether there are more)."""


def on_screen(control: ft.Control) -> bool:
    """True while the control is part of the page (not replaced by another screen)."""
    try:
        return control.page is not None
    except RuntimeError:
        return False


def refresh(*controls: ft.Control) -> None:
    """Update controls that are still on screen.

    Results of background work can arrive after the user moved on to another screen; those
    controls are gone, and their update is simply dropped instead of failing the session.
    """
    for control in controls:
        if on_screen(control):
            control.update()


def field(label: str, value: str = "", on_change: Callable[..., Any] | None = None,
          **kw: Any) -> ft.TextField:
    """A text field with its label (its accessible name) and room for an error below it."""
    return ft.TextField(label=label, value=value, on_change=on_change, dense=False, **kw)


def date_field(app: App, label: str, value: str = "",
               on_change: Callable[..., Any] | None = None, **kw: Any) -> ft.TextField:
    """A date field: typed as dd-mm-jjjj, or picked from a calendar (the button beside it).

    Typing stays the way in: the picker only fills the text in, and cancelling it leaves what
    was typed alone.
    """
    box = field(label, value, on_change, keyboard_type=ft.KeyboardType.DATETIME, **kw)

    async def picked(_e: Any) -> None:
        day = picker.value
        if day is None:
            return
        if isinstance(day, datetime) and day.tzinfo:
            day = day.astimezone()  # the picked calendar day, not the UTC one before it
        box.value = f"{day:%d-%m-%Y}"
        show_error(box, None)
        refresh(box)
        if on_change is not None and asyncio.iscoroutine(result := on_change(None)):
            await result

    def open_picker(_e: Any) -> None:
        try:
            typed = optional_date(box.value)
        except Invalid:
            typed = None
        today = date.today()
        picker.value = typed or today
        picker.first_date = min(typed or today, today) - timedelta(days=366 * 5)
        picker.last_date = max(typed or today, today) + timedelta(days=366 * 5)
        app.page.show_dialog(picker)

    picker = ft.DatePicker(on_change=picked, help_text=label)
    box.suffix_icon = ft.IconButton(ft.Icons.CALENDAR_MONTH, tooltip=t("date.pick"),
                                    on_click=open_picker)
    return box


def show_error(ctl: ft.FormFieldControl, key: str | None) -> None:
    """Put the translated error next to the field (or clear it); the typed value stays."""
    ctl.error = t(key) if key else None


def error_text(key: str | None = None) -> ft.Text:
    """A message under a group of chips (they have no error slot of their own)."""
    return ft.Text(t(key) if key else "", color=ERROR, size=13, visible=bool(key))


def set_error_text(text: ft.Text, key: str | None) -> None:
    text.value = t(key) if key else ""
    text.visible = bool(key)


def heading(text: str, size: int = 18) -> ft.Text:
    return ft.Text(text, size=size, weight=ft.FontWeight.W_600)


def muted(text: str, size: int = 13) -> ft.Text:
    return ft.Text(text, size=size, color=MUTED)


def screen_column(controls: list[ft.Control], **kw: Any) -> ft.Column:
    """A screen's body: it scrolls, fills the space and stretches its rows to the full width."""
    return ft.Column(controls, scroll=ft.ScrollMode.AUTO, expand=True,
                     horizontal_alignment=ft.CrossAxisAlignment.STRETCH, **kw)


def primary_button(text: str, on_click: Callable[..., Any], icon: ft.IconData | None = None,
                   **kw: Any) -> ft.FilledButton:
    return ft.FilledButton(content=text, icon=icon, on_click=on_click, height=TOUCH, **kw)


def secondary_button(text: str, on_click: Callable[..., Any], icon: ft.IconData | None = None,
                     **kw: Any) -> ft.OutlinedButton:
    return ft.OutlinedButton(content=text, icon=icon, on_click=on_click, height=TOUCH, **kw)


class Choice(ft.Row):
    """Chips for a vocabulary: one choice (``multi=False``) or several. Big enough for a thumb."""

    def __init__(self, name: str, codes: Sequence[Any], selected: Iterable[Any] = (),
                 multi: bool = False, on_change: Callable[[], Any] | None = None,
                 label: Callable[[Any], str] | None = None):
        super().__init__(wrap=True, spacing=8, run_spacing=8)
        self.multi = multi
        self.on_choice = on_change
        self._chosen = list(selected)
        self._label = label or (lambda c: vocab(name, c))
        self.set_options(codes)

    def set_options(self, codes: Sequence[Any]) -> None:
        """Replace the chips (e.g. the recent streets, known only after loading)."""
        self.chips = {code: ft.Chip(label=self._label(code), selected=code in self._chosen,
                                    on_select=self._select, data=code, height=TOUCH - 8)
                      for code in codes}
        self.controls = list(self.chips.values())

    @property
    def value(self) -> list[Any]:
        return list(self._chosen)

    def first(self, default: Any = "") -> Any:
        """The chosen code (of one choice), or ``default`` while nothing is chosen."""
        return (self.value or [default])[0]

    def set_value(self, values: Iterable[Any]) -> None:
        self._chosen = list(values)
        for code, chip in self.chips.items():
            chip.selected = code in self._chosen

    async def _select(self, e: ft.Event[ft.Chip]) -> None:
        code = e.control.data
        if self.multi:
            self._chosen = ([c for c in self._chosen if c != code] if code in self._chosen
                            else [*self._chosen, code])
        else:
            self._chosen = [code]
        self.set_value(self._chosen)
        refresh(self)
        if self.on_choice:
            result = self.on_choice()
            if asyncio.iscoroutine(result):
                await result


class PagedList(ft.Column):
    """A list that shows a page and a "meer laden" button; adds rows, never rebuilds them.

    ``fetch(offset)`` runs off the event loop and returns ``(items, has_more)``; ``render``
    turns one item into a control.
    """

    def __init__(self, app: App, fetch: Fetch,
                 render: Callable[[Any], ft.Control], empty: str):
        self.rows = ft.Column(spacing=0)
        self.more = ft.TextButton(content=t("list.more"), on_click=self._more, visible=False,
                                  height=TOUCH)
        self.empty = muted(empty, 15)
        self.empty.visible = False
        self.busy = ft.ProgressBar(visible=False)
        super().__init__(controls=[self.busy, self.rows, self.empty, self.more], spacing=4)
        self.app, self.fetch, self.render = app, fetch, render
        self.next_offset = 0
        self._generation = 0

    async def reload(self, fetch: Fetch | None = None) -> None:
        """Start again from the first page (a new search, a changed filter)."""
        if fetch is not None:
            self.fetch = fetch
        self._generation += 1
        generation = self._generation
        self.busy.visible = True
        refresh(self)
        items, has_more = await self.app.bg(self.fetch, 0)
        if generation != self._generation:  # a newer search started meanwhile
            return
        self.rows.controls = [self.render(i) for i in items]
        self.next_offset = len(items)
        self._finish(has_more)

    async def _more(self, _e: Any = None) -> None:
        self.busy.visible = True
        self.more.disabled = True
        refresh(self)
        items, has_more = await self.app.bg(self.fetch, self.next_offset)
        self.rows.controls.extend(self.render(i) for i in items)
        self.next_offset += len(items)
        self.more.disabled = False
        self._finish(has_more)

    def _finish(self, has_more: bool) -> None:
        self.busy.visible = False
        self.more.visible = has_more
        self.empty.visible = not self.rows.controls
        refresh(self)


class ResidentPicker(ft.Column):
    """Search residents by name or street while typing; a tap on a result picks them."""

    def __init__(self, app: App, on_pick: Callable[[str, str], Awaitable[None] | None],
                 label: str | None = None, limit: int = 6):
        self.app, self.on_pick, self.limit = app, on_pick, limit
        self.search = field(label or t("picker.search"), on_change=self._changed,
                            prefix_icon=ft.Icons.SEARCH)
        self.results = ft.Column(spacing=0)
        super().__init__(controls=[self.search, self.results], spacing=4,
                         horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        self._typed = 0

    async def _changed(self, _e: Any) -> None:
        self._typed += 1
        mine = self._typed
        await asyncio.sleep(0.2)  # wait for the typing to pause
        if mine != self._typed:
            return
        text = self.search.value or ""
        if not text.strip():
            self.results.controls = []
            refresh(self.results)
            return
        page = await self.app.bg(residents_service.search, self.app.store, text, 0, self.limit)
        if mine != self._typed:
            return
        self.results.controls = [self._tile(r) for r in page.rows] or [
            muted(t("picker.none"))]
        refresh(self.results)

    def _tile(self, row: residents_service.ResidentRow) -> ft.ListTile:
        async def pick(_e: Any) -> None:
            self.search.value = ""
            self.results.controls = []
            refresh(self)
            result = self.on_pick(row.id, row.name)
            if asyncio.iscoroutine(result):
                await result

        return resident_tile(row, pick)


def resident_tile(row: residents_service.ResidentRow, on_click: Callable[..., Any]) -> ft.ListTile:
    """A resident in a list or among search results: name, and street and house number."""
    return ft.ListTile(leading=ft.Icon(ft.Icons.PERSON_OUTLINE), title=ft.Text(row.name),
                       subtitle=ft.Text(f"{row.street} {row.house_number}".strip()),
                       on_click=on_click, min_height=TOUCH)


class SyncBadge(ft.Container):
    """Pending and refused changes, last sync, offline: always in the app bar; a tap opens
    the refused changes while there are any, else settings."""

    def __init__(self, on_click: Callable[..., Any]):
        self.refused = 0
        self.icon = ft.Icon(ft.Icons.CLOUD_OFF, size=20)
        self.label = ft.Text("", size=13)
        super().__init__(content=ft.Row([self.icon, self.label], spacing=6, tight=True),
                         padding=ft.Padding.symmetric(horizontal=10, vertical=6),
                         border_radius=20, on_click=on_click, height=TOUCH - 8,
                         tooltip=t("sync.badge.open"), ink=True)

    def show(self, state: sync_service.SyncStatus) -> None:
        b = sync_service.badge(state)
        self.label.value = b.text
        self.tooltip = b.tooltip
        self.refused = b.refused
        if state.running:
            self.icon.icon = ft.Icons.SYNC
        elif b.refused:
            self.icon.icon = ft.Icons.ERROR_OUTLINE
        elif b.offline:
            self.icon.icon = ft.Icons.CLOUD_OFF
        elif b.pending:
            self.icon.icon = ft.Icons.CLOUD_UPLOAD_OUTLINED
        else:
            self.icon.icon = ft.Icons.CLOUD_DONE_OUTLINED
        self.bgcolor = (ft.Colors.RED_100 if b.refused else ft.Colors.AMBER_100 if b.pending
                        else ft.Colors.GREEN_50)
        self.icon.color = ft.Colors.BLACK_87
        self.label.color = ft.Colors.BLACK_87


def close_dialog(dialog: ft.AlertDialog) -> None:
    dialog.open = False
    refresh(dialog)


def records_dialog(title: str, tiles: list[ft.Control]) -> ft.AlertDialog:
    """What lies behind a figure: a scrolling list of records, closed with "Terug"."""
    dialog = ft.AlertDialog(
        title=ft.Text(title),
        content=ft.Container(ft.Column(tiles, scroll=ft.ScrollMode.AUTO, tight=True),
                             width=640, height=440))
    dialog.actions = [ft.TextButton(content=t("action.back"),
                                    on_click=lambda _e: close_dialog(dialog), height=TOUCH)]
    return dialog


def form_dialog(title: str, content: ft.Control, on_save: Callable[..., Any],
                save_label: str | None = None) -> ft.AlertDialog:
    """A modal form: its own fields show errors; Cancel closes without saving."""
    dialog = ft.AlertDialog(modal=True, title=ft.Text(title), scrollable=True,
                            content=ft.Container(content, width=480))
    dialog.actions = [ft.TextButton(content=t("action.cancel"),
                                    on_click=lambda _e: close_dialog(dialog), height=TOUCH),
                      ft.FilledButton(content=save_label or t("action.save"), on_click=on_save,
                                      height=TOUCH)]
    return dialog


def person_label(name: str, organisation: str | None) -> str:
    return f"{name} ({organisation})" if organisation else name
