"""The households behind a figure of "Wat werkt" or "Vaste gezichten", in a dialog; a tap on
one opens its first resident's page."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import flet as ft

from app.i18n import t
from app.services import household_lines
from app.ui.widgets import close_dialog, muted, records_dialog

if TYPE_CHECKING:
    from app.ui.shell import App


class HouseholdsDialog:
    def __init__(self, app: App):
        self.app = app

    async def open(self, label: str, ids: Sequence[str],
                   details: Mapping[str, str] | None = None) -> None:
        """List the households of ``ids``; ``details`` adds a text per household id."""
        found = await self.app.bg(household_lines.lines, self.app.store, list(ids))
        extra = details or {}
        tiles: list[ft.Control] = [ft.ListTile(
            title=ft.Text(h.name, size=14),
            subtitle=ft.Text(" · ".join(p for p in (h.street, h.worker, extra.get(h.id))
                                        if p)),
            dense=True, on_click=self._opener(h.resident_id)) for h in found]
        if not tiles:
            tiles = [muted(t("overview.no_records"))]
        if len(ids) > len(found):
            tiles.insert(0, muted(t("overview.first_shown", count=len(found))))
        self.dialog = records_dialog(t("overview.records", label=label, count=len(ids)), tiles)
        self.app.dialog(self.dialog)

    def _opener(self, resident_id: str | None) -> Callable[[Any], None] | None:
        if not resident_id:
            return None

        def go(_e: Any) -> None:
            close_dialog(self.dialog)
            self.app.go(f"resident/{resident_id}")
        return go
