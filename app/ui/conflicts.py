"""Conflicts (team lead): concurrent edits the server recorded, both values and who wrote them.
Keep the value that stands, or restore the overwritten one (a normal edit that syncs); open any
record's field history. Online only: without a connection the screen says so and stays usable."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

import flet as ft

from app.i18n import t
from app.services import conflicts as service
from app.services import reads
from app.services.sync import SyncError, when
from app.ui import field_text
from app.ui.handlers import guarded
from app.ui.online import OnlineScreen, explain, opener
from app.ui.widgets import TOUCH, close_dialog, heading, muted, refresh

if TYPE_CHECKING:
    from app.ui.shell import App


def show_when(moment: datetime | None) -> str:
    return when(moment) if moment else ""


def show_who(side: service.Side) -> str:
    return t("conflicts.server") if side.device == service.SERVER_DEVICE else side.who


def outcome(row: service.ConflictRow, value: Any) -> str:
    """What happened to the overwritten side, truthfully: a plain value was overwritten; of a
    list (recorded before lists merged as sets) only the items it lost are named."""
    winner, who = show_who(row.kept), show_who(row.other)
    if row.is_list and not row.lost:
        return t("conflicts.list_kept_all", who=who)
    if row.is_list:
        return t("conflicts.list_lost", items=value(row.lost), who=who, winner=winner)
    return t("conflicts.other", value=value(row.other.value), who=who, winner=winner)


class ConflictsScreen(OnlineScreen):
    title_key = "conflicts.title"
    explain_key = "conflicts.explain"

    def __init__(self, app: App):
        super().__init__(app)
        self.rows: list[service.ConflictRow] = []
        self.names: dict[str, str] = {}

    async def _load(self) -> None:
        self.busy.visible = True
        refresh(self.busy)
        open_lead, store = opener(self.app), self.app.store

        def fetch() -> tuple[list[service.ConflictRow], dict[str, str]]:
            with open_lead() as lead:
                rows = service.load(store, lead)
            ids = set().union(*(field_text.refs(r.kind, [(r.field, r.kept.value),
                                                         (r.field, r.other.value)])
                                for r in rows))
            return rows, reads.names_by_id(store, ids)

        try:
            self.rows, self.names = await self.app.bg(fetch)
        except SyncError as err:
            self.rows = []
            self._say(explain(err))
        else:
            self._say("" if self.rows else t("conflicts.none"))
        finally:
            self.busy.visible = False
            refresh(self.busy)
        self.list.controls = [self._card(row) for row in self.rows]
        refresh(self.list)

    def _card(self, row: service.ConflictRow) -> ft.Control:
        title = row.label or t(f"kind.{row.kind}")
        value = lambda v: field_text.text(row.kind, row.field, v, self.names)  # noqa: E731
        lines: list[ft.Control] = [
            heading(title, 16),
            muted(t("conflicts.field", kind=t(f"kind.{row.kind}"),
                    field=field_text.label(row.field), when=show_when(row.at))),
            ft.Text(t("conflicts.kept", value=value(row.kept.value), who=show_who(row.kept)),
                    selectable=True),
            ft.Text(outcome(row, value), selectable=True),
        ]
        keep = ft.FilledButton(content=t("conflicts.keep"), icon=ft.Icons.CHECK, height=TOUCH,
                               on_click=partial(self._keep, row))
        restore = ft.OutlinedButton(content=t("conflicts.restore_items" if row.is_list
                                              else "conflicts.restore"), icon=ft.Icons.UNDO,
                                    height=TOUCH, disabled=not row.restorable,
                                    on_click=partial(self._restore, row))
        hist = ft.TextButton(content=t("conflicts.history"), icon=ft.Icons.HISTORY,
                             height=TOUCH,
                             on_click=partial(self._history, row))
        lines.append(ft.Row([keep, restore, hist], wrap=True, spacing=8))
        return ft.Card(content=ft.Container(ft.Column(lines, spacing=6), padding=12))

    async def _act(self, work: Any, done: str) -> None:
        try:
            result = await self.app.bg(work)
        except SyncError as err:
            self.app.toast(explain(err))
            return
        if result is False:
            self.app.toast(t("conflicts.not_here"))
            return
        self.app.toast(done)
        await self.app.saved()
        await self._load()

    @guarded
    async def _keep(self, row: service.ConflictRow, _e: Any = None) -> None:
        open_lead = opener(self.app)

        def work() -> None:
            with open_lead() as lead:
                service.keep_current(lead, row)

        await self._act(work, t("conflicts.kept_done"))

    @guarded
    async def _restore(self, row: service.ConflictRow, _e: Any = None) -> None:
        open_lead, store = opener(self.app), self.app.store

        def work() -> bool:
            with open_lead() as lead:
                return service.restore_other(store, lead, row)

        await self._act(work, t("conflicts.restored"))

    @guarded
    async def _history(self, row: service.ConflictRow, _e: Any = None) -> None:
        await HistoryDialog(self.app).open(row.kind, row.row_id, row.label)


def history_line(kind: str, entry: service.HistoryEntry, names: dict[str, str]) -> str:
    """One change of one field: its value (of a list field: what it added, and removed)."""
    value = field_text.text(kind, entry.field, entry.value, names)
    line = f"{field_text.label(entry.field)}: {value}"
    if entry.removed:
        removed = field_text.text(kind, entry.field, list(entry.removed), names)
        line += " · " + t("conflicts.history_removed", items=removed)
    return line


class HistoryDialog:
    """A record's field history, oldest first: when, who, which field, what value."""

    def __init__(self, app: App):
        self.app = app

    async def open(self, kind: str, row_id: str, label: str = "") -> None:
        open_lead, store = opener(self.app), self.app.store

        def fetch() -> tuple[list[service.HistoryEntry], dict[str, str]]:
            with open_lead() as lead:
                entries = service.history(lead, kind, row_id)
            ids = field_text.refs(kind, [(e.field, e.value) for e in entries])
            return entries, reads.names_by_id(store, ids)

        try:
            entries, names = await self.app.bg(fetch)
        except SyncError as err:
            self.app.toast(explain(err))
            return
        lines: list[ft.Control] = [
            ft.ListTile(title=ft.Text(history_line(kind, e, names)),
                        subtitle=ft.Text(f"{show_when(e.at)} · {e.who}"), dense=True)
            for e in entries] or [muted(t("conflicts.history_empty"))]
        close = ft.TextButton(content=t("action.close"), height=TOUCH)
        dialog = ft.AlertDialog(
            modal=True, scrollable=True,
            title=ft.Text(t("conflicts.history_title", record=label or t(f"kind.{kind}"))),
            content=ft.Container(ft.Column(lines, spacing=0, tight=True), width=520),
            actions=[close])
        close.on_click = lambda _e: close_dialog(dialog)
        self.app.dialog(dialog)

