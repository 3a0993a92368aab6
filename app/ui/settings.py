"""Sync and settings: server address and enrollment code, "sync now", progress, the last result
in plain words, pending changes, the language, and security (idle lock, lock now, PIN)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

from app.i18n import LANGUAGES, set_language, t
from app.security import MIN_PIN_LENGTH, TooSoon, WrongPin
from app.services import context, settings
from app.services import sync as sync_service
from app.services.settings import IDLE_CHOICES
from app.services.settings_forms import EnrollmentForm, PinForm
from app.ui.forms import bound_field
from app.ui.handlers import guarded
from app.ui.lock import wait_text
from app.ui.widgets import (
    Choice,
    heading,
    muted,
    primary_button,
    refresh,
    screen_column,
    secondary_button,
    show_error,
)

if TYPE_CHECKING:
    from app.ui.shell import App


class SettingsScreen:
    def __init__(self, app: App):
        self.app = app
        self.title = t("settings.title")

    def build(self) -> ft.Control:
        self.enrollment, self.pin = EnrollmentForm(), PinForm()
        self.server = bound_field(self.enrollment, "server_url", t("settings.server"),
                                  hint_text="https://sync.example.nl")
        self.code = bound_field(self.enrollment, "code", t("settings.code"),
                                capitalization=ft.TextCapitalization.CHARACTERS)
        self.result = ft.Text("")
        self.pending = ft.Text("")
        self.refused = ft.Text("", visible=False)
        self.refused_button = secondary_button(t("settings.refused_open"),
                                               lambda _e: self.app.go("refused"),
                                               icon=ft.Icons.ERROR_OUTLINE)
        self.refused_button.visible = False
        self.progress = ft.ProgressBar(visible=False)
        self.who = muted("")
        self.language = Choice("language", LANGUAGES, [], on_change=self._language)
        self.idle = Choice("idle", IDLE_CHOICES, [], on_change=self._idle,
                           label=lambda n: t("lock.idle_minutes", n=n))
        pin: dict[str, Any] = {"password": True, "can_reveal_password": True,
               "keyboard_type": ft.KeyboardType.NUMBER}
        self.old_pin = bound_field(self.pin, "old", t("settings.old_pin"), **pin)
        self.new_pin = bound_field(self.pin, "new", t("settings.new_pin"), **pin)
        self.pin_message = ft.Text("", visible=False)  # read by screen readers, unlike .error
        self.linked = muted("", 15)  # an enrolled device: which server, instead of the form
        self.enroll_block = ft.Column([
            heading(t("settings.enroll")), muted(t("settings.enroll_explain")),
            self.server, self.code,
            ft.Row([secondary_button(t("settings.enroll_button"), self._enroll,
                                     icon=ft.Icons.LINK)])], spacing=12, visible=False)
        return screen_column([
            heading(t("settings.sync")), self.result, self.pending, self.refused,
            ft.Row([self.refused_button]), self.progress,
            ft.Row([primary_button(t("settings.sync_now"), self._sync_now, icon=ft.Icons.SYNC)]),
            self.linked,
            self.enroll_block,
            heading(t("settings.language")), self.language,
            heading(t("settings.security")),
            muted(t("settings.security_explain" if settings.encrypted_storage()
                    else "settings.security_explain_os")),
            muted(t("settings.idle_lock")), self.idle,
            ft.Row([secondary_button(t("settings.lock_now"), self._lock_now,
                                     icon=ft.Icons.LOCK_OUTLINE)]),
            self.old_pin, self.new_pin, self.pin_message,
            ft.Row([secondary_button(t("settings.change_pin"), self._change_pin,
                                     icon=ft.Icons.PASSWORD)]),
            heading(t("settings.device")), self.who,
            ft.Container(height=80),
        ], spacing=12)

    @guarded
    async def load(self) -> None:
        store = self.app.store
        self.enrollment.server_url = await self.app.bg(settings.server_url, store)
        self.server.value = self.enrollment.server_url
        self._show_enrolled()
        self.language.set_value([await self.app.bg(settings.language, store) or "nl"])
        self.idle.set_value([round(await self.app.bg(settings.idle_minutes, store))])
        ctx = self.app.ctx
        name = await self.app.bg(context.worker_name, store, ctx.worker_id)
        role = t(f"role.{ctx.role}") if ctx.role else ""
        self.who.value = t("settings.device_is", name=name or "—", role=role,
                           device=settings.device_short(store))
        await self.refresh()
        self.app.page.update()

    async def refresh(self) -> None:
        self.show_sync(await self.app.bg(self.app.sync.status))

    def show_sync(self, state: sync_service.SyncStatus) -> None:
        """Show ``state``: the same one the badge shows (``App.refresh_badge`` calls this)."""
        self.refused.value = t("settings.refused", n=state.refused)
        self.refused.visible = self.refused_button.visible = bool(state.refused)
        self.result.value = t("settings.last_result", result=sync_service.last_result(state))
        self.pending.value = t("settings.pending", n=state.pending)
        self.progress.visible = state.running
        if state.progress and state.progress[1]:
            self.progress.value = state.progress[0] / state.progress[1]
        else:
            self.progress.value = None
        refresh(self.result, self.pending, self.refused, self.refused_button, self.progress)

    @guarded
    async def _sync_now(self, _e: Any) -> None:
        self.app.sync.sync_now()
        if not self.app.sync.available:
            self.app.toast(t("sync.not_installed"))
        await self.refresh()
        self.app.page.update()

    @guarded
    async def _enroll(self, _e: Any) -> None:
        errors = await self.app.bg(self.enrollment.save, self.app.sync, self.app.store)
        show_error(self.server, errors.get("server_url"))
        show_error(self.code, errors.get("code"))
        if not errors:
            self.code.value = self.enrollment.code
            self._show_enrolled()
            self.app.toast(t("settings.enrolled"))
        await self.refresh()
        self.app.page.update()

    def _show_enrolled(self) -> None:
        """An enrolled device says where it syncs; only a device without a server offers the
        enrollment form ("Apparaat koppelen")."""
        url = self.enrollment.server_url.strip()
        enrolled = bool(url) and self.app.ctx.ready
        self.linked.value = t("settings.linked_to", server=url) if enrolled else ""
        self.linked.visible, self.enroll_block.visible = enrolled, not enrolled

    async def _idle(self) -> None:
        self.app.touch()
        await self.app.bg(settings.save_idle_minutes, self.app.store, self.idle.first(5))

    @guarded
    async def _lock_now(self, _e: Any) -> None:
        if self.app.gate is not None:
            await self.app.gate.lock()

    @guarded
    async def _change_pin(self, _e: Any) -> None:
        if self.app.gate is None:
            return
        problem = None
        try:
            await self.app.bg(self.pin.save, self.app.gate.vault)
        except WrongPin as err:
            problem = t("lock.error.wrong") + (
                " " + t("lock.error.wait", wait=wait_text(err.wait)) if err.wait else "")
        except TooSoon as err:
            problem = t("lock.error.wait", wait=wait_text(err.seconds))
        except ValueError as err:
            problem = t(str(err), n=MIN_PIN_LENGTH)
        else:
            self.old_pin.value, self.new_pin.value = self.pin.old, self.pin.new
            self.app.toast(t("settings.pin_changed"))
        self.pin_message.value, self.pin_message.visible = problem or "", bool(problem)
        self.pin_message.color = ft.Colors.RED_800
        self.app.page.update()

    async def _language(self) -> None:
        chosen = self.language.first("nl")
        await self.app.bg(settings.save_language, self.app.store, chosen)
        set_language(chosen)
        await self.app.relayout()
