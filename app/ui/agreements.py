"""Afspraken: what, by whom ("not for, but by"), due date, status; filters mine / overdue / all,
or the agreements of one resident."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

from app.i18n import t
from app.services import agreements as service
from app.services import reads
from app.services.dialog_forms import AgreementForm
from app.ui.forms import bound_choice, bound_date, bound_field, finish_form
from app.ui.handlers import guard, guarded
from app.ui.today import agreement_tile
from app.ui.widgets import (
    Choice,
    ResidentPicker,
    error_text,
    form_dialog,
    muted,
    refresh,
    screen_column,
    secondary_button,
)

if TYPE_CHECKING:
    from app.ui.shell import App


class AgreementsScreen:
    def __init__(self, app: App, resident_id: str | None = None):
        self.app = app
        self.resident_id = resident_id
        self.title = t("agreements.title")

    def build(self) -> ft.Control:
        self.filter = Choice("agreement_filter", service.FILTERS,
                             ["all" if self.resident_id else "mine"], on_change=self.load)
        self.resident_chip = ft.Row()
        self.rows = ft.Column(spacing=0)
        return screen_column([
            self.filter, self.resident_chip,
            ft.Row([secondary_button(t("agreements.new"), self._new, icon=ft.Icons.ADD)]),
            self.rows, ft.Container(height=80),
        ], spacing=10)

    @guarded
    async def load(self) -> None:
        store = self.app.store
        if self.resident_id:
            resident = await self.app.bg(reads.resident, store, self.resident_id)
            self.resident_chip.controls = [ft.Chip(
                label=t("agreements.of", name=resident.name if resident else "?"),
                on_delete=self._clear_resident,
                delete_icon_tooltip=t("agreements.all_residents"))]
        else:
            self.resident_chip.controls = []
        rows = await self.app.bg(service.rows, store, self.app.ctx,
                                 self.filter.first("mine"), self.resident_id)
        self.rows.controls = [self._tile(r) for r in rows] or [muted(t("agreements.none"), 15)]
        refresh(self.resident_chip)
        refresh(self.rows)

    async def _clear_resident(self, _e: Any) -> None:
        self.resident_id = None
        await self.load()

    def _tile(self, row: service.AgreementRow) -> ft.ListTile:
        tile = agreement_tile(row)

        @guard(self.app)
        async def set_status(_e: Any, status: str) -> None:
            await self.app.bg(service.set_status, self.app.store, row.agreement.id, status)
            self.rows.controls.remove(tile)
            refresh(self.rows)
            self.app.toast(t(f"agreement.{status}_toast"))
            await self.app.saved()

        # Flet awaits only handlers that are coroutine functions: a lambda returning a
        # coroutine would be called and its work silently dropped.
        async def done(e: Any) -> None:
            await set_status(e, "done")

        async def cancel(e: Any) -> None:
            await set_status(e, "cancelled")

        tile.trailing = ft.Row([
            ft.IconButton(ft.Icons.CHECK, tooltip=t("agreement.mark_done"), on_click=done),
            ft.IconButton(ft.Icons.CLOSE, tooltip=t("agreement.cancel"), on_click=cancel),
        ], tight=True, spacing=0)
        return tile

    async def _new(self, _e: Any) -> None:
        form = AgreementForm(resident_id=self.resident_id)
        what = bound_field(form, "what", t("agreement.what"), multiline=True, min_lines=1)
        owner = bound_choice(form, "owner_kind", "owner", ("worker", "resident"),
                             default="worker")
        owner_error = error_text()
        due = bound_date(self.app, form, "due", t("agreement.due"))
        picked = ft.Text("", weight=ft.FontWeight.W_600)

        async def pick(rid: str, name: str) -> None:
            form.resident_id = rid
            picked.value = t("agreements.of", name=name)
            refresh(picked)

        picker = ResidentPicker(self.app, pick)

        @guard(self.app)
        async def save(_e: Any) -> None:
            _, errors = await self.app.bg(form.save, self.app.store, self.app.ctx)
            if await finish_form(self.app, dialog, errors, [
                    (what, "what"), (due, "due"), (owner_error, ("owner_id", "owner_kind"))],
                    "agreement.saved"):
                await self.load()

        parts: list[ft.Control] = [what, ft.Text(t("contact.follow_up_owner")), owner,
                                   owner_error, due]
        if not self.resident_id:
            parts += [picked, picker]
        dialog = form_dialog(t("agreements.new"), ft.Column(parts, tight=True), save)
        self.app.dialog(dialog)
