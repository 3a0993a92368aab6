"""Signalen en initiatieven: street signals (category, severity, status) and resident
initiatives, listed by street."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import flet as ft

from app.domain import vocab as codes
from app.i18n import t, vocab
from app.services import signals as service
from app.services.dialog_forms import InitiativeForm, SignalForm
from app.ui.forms import bound_choice, bound_field, finish_form
from app.ui.handlers import guard, guarded
from app.ui.widgets import (
    OVERDUE,
    Choice,
    error_text,
    form_dialog,
    heading,
    muted,
    refresh,
    screen_column,
    secondary_button,
)

if TYPE_CHECKING:
    from app.ui.shell import App


class SignalsScreen:
    def __init__(self, app: App):
        self.app = app
        self.title = t("signals.title")

    def build(self) -> ft.Control:
        self.view = Choice("signals_view", ("signals", "initiatives"), ["signals"],
                           on_change=self.load)
        self.open_only = ft.Switch(label=t("signals.open_only"), value=True,
                                   on_change=lambda _e: self.app.page.run_task(self.load))
        self.rows = ft.Column(spacing=4)
        return screen_column([
            self.view, self.open_only,
            ft.Row([secondary_button(t("signals.new"), self._new_signal, icon=ft.Icons.FLAG),
                    secondary_button(t("initiatives.new"), self._new_initiative,
                                     icon=ft.Icons.LIGHTBULB_OUTLINE)], wrap=True),
            self.rows, ft.Container(height=80),
        ], spacing=10)

    @guarded
    async def load(self) -> None:
        store = self.app.store
        showing_signals = self.view.first("signals") == "signals"
        self.open_only.visible = showing_signals
        controls: list[ft.Control] = []
        if showing_signals:
            groups = await self.app.bg(service.signals, store, None,
                                       bool(self.open_only.value))
            for street, items in groups:
                controls.append(heading(street, 17))
                controls += [self._signal(s) for s in items]
        else:
            for street, ideas in await self.app.bg(service.initiatives, store):
                controls.append(heading(street, 17))
                controls += [ft.ListTile(
                    leading=ft.Icon(ft.Icons.LIGHTBULB_OUTLINE), title=ft.Text(i.title),
                    subtitle=ft.Text(" · ".join(x for x in (t("initiative.by", who=i.carried_by)
                                                            if i.carried_by else "", i.note) if x)))
                    for i in ideas]
        self.rows.controls = controls or [muted(t("signals.none"), 15)]
        refresh(self.open_only)
        refresh(self.rows)

    @guarded
    async def _status(self, signal_id: str, choice: Choice) -> None:
        await self.app.bg(service.set_signal_status, self.app.store, signal_id, choice.value[0])
        self.app.toast(t("signal.status_saved"))
        await self.app.saved()

    def _signal(self, s: Any) -> ft.Control:
        choice = Choice("signal_status", codes.SIGNAL_STATUSES, [s.status])
        choice.on_choice = partial(self._status, s.id, choice)
        return ft.Column([
            ft.Row([ft.Icon(ft.Icons.FLAG, color=OVERDUE if s.severity >= 3 else None),
                    ft.Text(f"{vocab('signal', s.category)} · {vocab('severity', s.severity)}",
                            weight=ft.FontWeight.W_600)]),
            muted(f"{s.at.astimezone().strftime('%d-%m-%Y')} · {s.note}"), choice,
        ], spacing=4)

    async def _new_signal(self, _e: Any) -> None:
        form = SignalForm()
        street = bound_field(form, "street", t("contact.street"))
        category = bound_choice(form, "category", "signal", codes.SIGNAL_CATEGORIES)
        category_error = error_text()
        severity = bound_choice(form, "severity", "severity", codes.SIGNAL_SEVERITIES)
        note = bound_field(form, "note", t("contact.note"), multiline=True, min_lines=2)

        @guard(self.app)
        async def save(_e: Any) -> None:
            _, errors = await self.app.bg(form.save, self.app.store, self.app.ctx)
            if await finish_form(self.app, dialog, errors, [
                    (street, "street"), (category_error, ("category", "severity")),
                    (note, "note")], "signal.saved"):
                await self.load()

        dialog = form_dialog(t("signals.new"), ft.Column(
            [street, ft.Text(t("signal.category")), category, category_error,
             ft.Text(t("signal.severity")), severity, note], tight=True), save)
        self.app.dialog(dialog)

    async def _new_initiative(self, _e: Any) -> None:
        form = InitiativeForm()
        title = bound_field(form, "title", t("initiative.title"))
        street = bound_field(form, "street", t("contact.street"))
        carried_by = bound_field(form, "carried_by", t("initiative.carried_by"))
        note = bound_field(form, "note", t("contact.note"), multiline=True, min_lines=2)

        @guard(self.app)
        async def save(_e: Any) -> None:
            _, errors = await self.app.bg(form.save, self.app.store, self.app.ctx)
            if await finish_form(self.app, dialog, errors, [
                    (title, "title"), (street, "street"), (carried_by, "carried_by"),
                    (note, "note")], "initiative.saved"):
                self.view.set_value(["initiatives"])
                await self.load()

        dialog = form_dialog(t("initiatives.new"),
                             ft.Column([title, street, carried_by, note], tight=True), save)
        self.app.dialog(dialog)
