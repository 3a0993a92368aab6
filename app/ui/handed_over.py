"""Overgedragen aan jou: the households a team lead handed to this worker, each with its summary
(ambitions, talents, network, open agreements, last contacts, what worked) until marked read."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

from app.i18n import t
from app.services import handover as service
from app.services import reads
from app.ui.handlers import guard, guarded
from app.ui.handover_card import card, summary_parts
from app.ui.widgets import muted, refresh, screen_column, secondary_button

if TYPE_CHECKING:
    from app.ui.shell import App


class HandedOverScreen:
    def __init__(self, app: App):
        self.app = app
        self.title = t("handed_over.title")

    def build(self) -> ft.Control:
        self.cards = ft.Column(spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        return screen_column([muted(t("handed_over.explain")), self.cards,
                              ft.Container(height=80)], spacing=10)

    @guarded
    async def load(self) -> None:
        store = self.app.store
        got = await self.app.bg(service.received, store, self.app.ctx.worker_id)
        names = await self.app.bg(reads.names_by_id, store,
                                  [r.handover.from_worker_id for r in got
                                   if r.handover.from_worker_id])
        self.cards.controls = [self._card(r, names) for r in got] or [
            muted(t("handed_over.none"), 15)]
        refresh(self.cards)

    def _card(self, got: service.Received, names: dict[str, str]) -> ft.Control:
        h = got.handover
        parts = summary_parts(got.summary)
        parts.insert(1, muted(t("handed_over.from", name=names.get(h.from_worker_id or "") or "?",
                                date=f"{h.at:%d-%m-%Y}")))
        first = got.summary.members[0].id if got.summary.members else None

        @guard(self.app)
        async def seen(_e: Any) -> None:
            await self.app.bg(service.mark_seen, self.app.store, h.id)
            self.app.toast(t("handed_over.seen_toast"))
            await self.app.saved()
            await self.load()

        buttons: list[ft.Control] = [
            secondary_button(t("handed_over.seen"), seen, icon=ft.Icons.DONE)]
        if first:
            buttons.insert(0, secondary_button(
                t("handed_over.open"), lambda _e: self.app.go(f"resident/{first}"),
                icon=ft.Icons.PERSON))
        return card([*parts, ft.Row(buttons, wrap=True)])
