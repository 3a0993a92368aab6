"""Devices and people (team lead): workers with their devices and last sync; a new device is
enrolled with a one-time code (text and QR code); a lost phone is revoked after a confirmation.
Online only: without a connection the screen says so and stays usable."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import flet as ft

from app.i18n import t, vocab
from app.services import devices as service
from app.services.sync import SyncError, when
from app.ui.handlers import guarded
from app.ui.online import OnlineScreen, explain, opener, own_device
from app.ui.widgets import MUTED, TOUCH, close_dialog, heading, muted, refresh

if TYPE_CHECKING:
    from app.ui.shell import App


def last_sync(device: service.DeviceRow) -> str:
    """When the device last synced, and the refused changes it holds set aside, if any."""
    if device.revoked:
        return t("devices.revoked")
    seen = (t("devices.never") if device.last_seen is None
            else t("devices.last_seen", when=when(device.last_seen)))
    return f"{seen} · {t('devices.refused', n=device.refused)}" if device.refused else seen


class DevicesScreen(OnlineScreen):
    title_key = "devices.title"
    explain_key = "devices.explain"
    code_dialog: ft.AlertDialog  # the open dialogs, set when they are shown
    confirm_dialog: ft.AlertDialog

    def __init__(self, app: App):
        super().__init__(app)
        self.workers: list[service.WorkerRow] = []

    async def _load(self) -> None:
        self.busy.visible = True
        refresh(self.busy)
        open_lead, app = opener(self.app), self.app

        def fetch() -> list[service.WorkerRow]:
            with open_lead() as lead:
                return service.load(lead, own_device(app))

        try:
            self.workers = await self.app.bg(fetch)
        except SyncError as err:
            self.workers = []
            self._say(explain(err))
        else:
            self._say("" if self.workers else t("devices.none"))
        finally:
            self.busy.visible = False
            refresh(self.busy)
        self.list.controls = [self._card(w) for w in self.workers]
        refresh(self.list)

    def _card(self, worker: service.WorkerRow) -> ft.Control:
        rows: list[ft.Control] = [heading(worker.name, 16), muted(vocab("role", worker.role))]
        for device in worker.devices:
            revoke = ft.TextButton(
                content=t("devices.revoke"), icon=ft.Icons.PHONELINK_ERASE, height=TOUCH,
                visible=not device.revoked and not device.own,
                on_click=partial(self._confirm, worker, device))
            label = device.label or device.id
            if device.own:
                label = t("devices.this_device", label=label)
            rows.append(ft.ListTile(
                leading=ft.Icon(ft.Icons.PHONE_ANDROID_OUTLINED, color=MUTED),
                title=ft.Text(label), trailing=revoke,
                subtitle=ft.Text(f"{last_sync(device)} · {t('devices.storage.' + device.storage)}"),
                dense=True, content_padding=ft.Padding.only(left=0, right=0)))
        if not worker.devices:
            rows.append(muted(t("devices.no_devices")))
        rows.append(ft.Row([ft.OutlinedButton(
            content=t("devices.enroll"), icon=ft.Icons.QR_CODE_2, height=TOUCH,
            on_click=partial(self._enroll, worker))]))
        return ft.Card(content=ft.Container(ft.Column(rows, spacing=4), padding=12))

    # ------------------------------------------------------------------ enroll

    @guarded
    async def _enroll(self, worker: service.WorkerRow, _e: Any = None) -> None:
        open_lead = opener(self.app)

        def work() -> service.Ticket:
            with open_lead() as lead:
                return service.new_code(lead, worker.id)

        try:
            ticket = await self.app.bg(work)
        except SyncError as err:
            self.app.toast(explain(err))
            return
        expires = t("devices.expires", when=when(ticket.expires)) if ticket.expires else ""
        self.code_dialog = ft.AlertDialog(
            modal=True, scrollable=True,
            title=ft.Text(t("devices.code_title", name=worker.name)),
            content=ft.Container(ft.Column([
                muted(t("devices.code_explain")),
                ft.Text(ticket.code, size=28, weight=ft.FontWeight.W_700, selectable=True,
                        font_family="monospace"),
                ft.Image(src=ticket.qr_png, width=240, height=240,
                         semantics_label=t("devices.qr_label", code=ticket.code)),
                muted(expires)], tight=True, spacing=10,
                horizontal_alignment=ft.CrossAxisAlignment.CENTER), width=360),
            actions=[ft.TextButton(content=t("action.close"), height=TOUCH,
                                   on_click=lambda _e: close_dialog(self.code_dialog))])
        self.app.dialog(self.code_dialog)

    # ------------------------------------------------------------------ revoke

    @guarded
    async def _confirm(self, worker: service.WorkerRow, device: service.DeviceRow,
                       _e: Any = None) -> None:
        self.confirm_dialog = ft.AlertDialog(
            modal=True, title=ft.Text(t("devices.revoke_title")),
            content=ft.Text(t("devices.revoke_confirm", label=device.label or device.id,
                              name=worker.name)),
            actions=[ft.TextButton(content=t("action.cancel"), height=TOUCH,
                                   on_click=lambda _e: close_dialog(self.confirm_dialog)),
                     ft.FilledButton(content=t("devices.revoke"), height=TOUCH,
                                     bgcolor=ft.Colors.RED_700,
                                     on_click=partial(self._revoke, device))])
        self.app.dialog(self.confirm_dialog)

    @guarded
    async def _revoke(self, device: service.DeviceRow, _e: Any = None) -> None:
        close_dialog(self.confirm_dialog)
        open_lead = opener(self.app)

        def work() -> None:
            with open_lead() as lead:
                service.revoke(lead, device.id)

        try:
            await self.app.bg(work)
        except SyncError as err:
            message, revoked = explain(err), False
        else:
            message, revoked = t("devices.revoked_done", label=device.label or device.id), True
        await self.app.dialog_gone(self.confirm_dialog)
        self.app.toast(message)
        if revoked:
            await self._load()
