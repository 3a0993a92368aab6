"""Geweigerde wijzigingen: each change the server refused, in words (which record, which field,
why), with what the worker can do: open the record and correct it (saving sends it again), send
it again as it is, or discard the change after a confirmation. Reached from the sync badge and
from settings."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import flet as ft

from app.i18n import t
from app.services import refused as service
from app.services.sync import when
from app.ui.handlers import guarded
from app.ui.widgets import (
    TOUCH,
    close_dialog,
    heading,
    muted,
    refresh,
    screen_column,
    secondary_button,
)

if TYPE_CHECKING:
    from app.ui.shell import App


class RefusedScreen:
    def __init__(self, app: App):
        self.app = app
        self.title = t("refused.title")

    def build(self) -> ft.Control:
        self.cards = ft.Column(spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        return screen_column([muted(t("refused.explain")), self.cards,
                              ft.Container(height=80)], spacing=10)

    @guarded
    async def load(self) -> None:
        rows = await self.app.bg(service.load, self.app.store)
        self.cards.controls = [self._card(r) for r in rows] or [muted(t("refused.none"), 15)]
        refresh(self.cards)

    def _card(self, row: service.Refused) -> ft.Control:
        lines: list[ft.Control] = [
            heading(row.record, 16),
            ft.Text(t("refused.fields", fields=row.fields)),
            ft.Text(t("refused.why", reason=row.reason)),
        ]
        if row.at:
            lines.append(muted(t("refused.when", when=when(row.at))))
        buttons: list[ft.Control] = []
        if row.route:
            route = row.route
            buttons.append(secondary_button(t("refused.open"), lambda _e: self.app.go(route),
                                            icon=ft.Icons.EDIT_OUTLINED))
        else:
            lines.append(muted(t("refused.correct_here" if row.correctable
                                 else "refused.discard_only")))
        if row.correctable:
            buttons.append(secondary_button(t("refused.send_again"),
                                            partial(self._send_again, row),
                                            icon=ft.Icons.SEND_OUTLINED))
        buttons.append(secondary_button(t("refused.discard"), lambda _e: self._confirm(row),
                                        icon=ft.Icons.DELETE_OUTLINE))
        lines.append(ft.Row(buttons, wrap=True, spacing=8))
        return ft.Card(content=ft.Container(ft.Column(lines, spacing=6), padding=12))

    def _confirm(self, row: service.Refused) -> None:
        self.app.touch()
        discard = ft.FilledButton(content=t("refused.discard"), height=TOUCH,
                                  bgcolor=ft.Colors.RED_700)
        dialog: ft.AlertDialog
        dialog = ft.AlertDialog(
            modal=True, title=ft.Text(t("refused.discard_title")),
            content=ft.Text(t("refused.discard_text", record=row.record)),
            actions=[ft.TextButton(content=t("action.cancel"), height=TOUCH,
                                   on_click=lambda _e: close_dialog(dialog)), discard])
        discard.on_click = partial(self._discard, row, dialog)
        self.app.dialog(dialog)

    @guarded
    async def _send_again(self, row: service.Refused, _e: Any = None) -> None:
        if await self.app.bg(service.send_again, self.app.store, row.seq):
            self.app.toast(t("refused.sent_again"))
        await self.app.saved()
        await self.load()

    @guarded
    async def _discard(self, row: service.Refused, dialog: ft.AlertDialog, *_: Any) -> None:
        close_dialog(dialog)
        await self.app.bg(service.discard, self.app.store, row.seq)
        await self.app.dialog_gone(dialog)
        self.app.toast(t("refused.discarded"))
        await self.app.saved()
        await self.load()
