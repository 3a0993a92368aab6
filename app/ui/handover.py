"""Warm handover: pick who hands over and to whom (optionally another colleague per household),
hand everything over in one go, then read the summary per household the new worker gets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

from app.i18n import t, tn
from app.services import handover as service
from app.ui.handlers import guarded
from app.ui.handover_card import card, summary_parts
from app.ui.widgets import (
    TOUCH,
    Choice,
    close_dialog,
    error_text,
    heading,
    muted,
    primary_button,
    refresh,
    screen_column,
    set_error_text,
)

if TYPE_CHECKING:
    from app.ui.shell import App

DEFAULT = "-"


class HandoverScreen:
    def __init__(self, app: App):
        self.app = app
        self.title = t("handover.title")
        self.names: dict[str, str] = {}
        self.plan: service.Plan | None = None
        self.overrides: dict[str, ft.Dropdown] = {}

    def build(self) -> ft.Control:
        def label(wid: str) -> str:
            return self.names.get(wid, wid)

        self.source = Choice("worker", [], on_change=self._source_changed, label=label)
        self.target = Choice("worker", [], label=label)
        self.target_error = error_text()
        self.orphans = ft.Text("", color=ft.Colors.RED_800, visible=False)
        self.summary = muted("", 15)
        self.households = ft.Column(spacing=0)
        self.run = primary_button(t("handover.run"), self._confirm, icon=ft.Icons.SWAP_HORIZ,
                                  disabled=True)
        self.result = ft.Column(spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        return screen_column([
            muted(t("handover.explain")), self.orphans,
            heading(t("handover.from"), 16), self.source,
            heading(t("handover.to"), 16), self.target, self.target_error,
            self.summary, self.households, ft.Row([self.run]), self.result,
            ft.Container(height=80)], spacing=10)

    @guarded
    async def load(self) -> None:
        workers = await self.app.bg(service.colleagues, self.app.store, None)
        orphans = await self.app.bg(service.orphans, self.app.store)
        self.names = {w.id: w.name for w in workers}
        self.source.set_options(list(self.names))
        self.target.set_options(list(self.names))
        self.orphans.value = tn("handover.orphans", len(orphans))
        self.orphans.visible = bool(orphans)
        refresh(self.source, self.target, self.orphans)

    @guarded
    async def _source_changed(self) -> None:
        wid = self.source.first()
        self.plan = await self.app.bg(service.plan, self.app.store, wid) if wid else None
        self.target.set_options([w for w in self.names if w != wid])
        self.result.controls = []
        self._show_plan()
        refresh(self.target, self.result)

    def _show_plan(self) -> None:
        plan = self.plan
        self.overrides = {}
        if plan is None:
            self.summary.value, self.households.controls = "", []
        elif plan.empty:
            self.summary.value, self.households.controls = t("handover.nothing"), []
        else:
            self.summary.value = t("handover.plan", **_counts(plan, "count.open_agreements"))
            rows: list[ft.Control] = [muted(t("handover.per_household"))] if (
                plan.households) else []
            for h in plan.households:
                dd = ft.Dropdown(
                    value=DEFAULT, width=260, dense=True,
                    options=[ft.DropdownOption(key=DEFAULT, text=t("handover.default")),
                             *(ft.DropdownOption(key=w, text=n) for w, n in self.names.items()
                               if w != plan.worker_id)])
                self.overrides[h.id] = dd
                place = f"{h.street} {h.house_number or ''}".strip()
                rows.append(ft.Row([
                    ft.Text(f"{h.name} - {place}", expand=True),
                    ft.Semantics(content=dd,
                                 label=t("handover.household_to", name=h.name))],
                    vertical_alignment=ft.CrossAxisAlignment.CENTER))
            self.households.controls = rows
        self.run.disabled = plan is None or plan.empty
        refresh(self.summary, self.households, self.run)

    async def _confirm(self, _e: Any) -> None:
        """A handover moves a colleague's whole caseload: it asks first, naming who and what."""
        if self.plan is None:
            return
        to = self.target.first()

        def close(_e: Any = None) -> None:
            close_dialog(self.confirm_dialog)

        @guarded
        async def go(e: Any) -> None:
            close()
            await self._run(e, self.confirm_dialog)

        self.confirm_dialog = ft.AlertDialog(
            modal=True, title=ft.Text(t("handover.confirm_title")),
            content=ft.Text(t("handover.confirm", source=self.names.get(self.plan.worker_id, ""),
                              target=self.names.get(to, "") if to else t("handover.per_choice"),
                              plan=self.summary.value)),
            actions=[ft.TextButton(content=t("action.cancel"), on_click=close, height=TOUCH),
                     ft.FilledButton(content=t("handover.confirm_run"), on_click=go,
                                     height=TOUCH)])
        self.app.dialog(self.confirm_dialog)

    @guarded
    async def _run(self, _e: Any, confirmed: ft.AlertDialog) -> None:
        """Hand over as planned, once the worker ``confirmed`` it in that dialog."""
        if self.plan is None:
            return
        overrides = {hid: dd.value for hid, dd in self.overrides.items()
                     if dd.value and dd.value != DEFAULT}
        result, errors = await self.app.bg(service.hand_over, self.app.store,
                                           self.plan.worker_id, self.target.first() or None,
                                           overrides, None, self.app.ctx.worker_id)
        set_error_text(self.target_error, errors.get("to") or errors.get("per_household"))
        refresh(self.target_error)
        if result is None:
            return
        await self.app.dialog_gone(confirmed)
        self.app.toast(t("handover.done", **_counts(result, "count.agreements")))
        await self.app.saved()
        summaries = [await self.app.bg(service.summary, self.app.store, hid)
                     for hid in result.households]
        self.plan = await self.app.bg(service.plan, self.app.store, self.plan.worker_id)
        self._show_plan()
        self.result.controls = [heading(t("handover.summaries")),
                                *(self._card(s) for s in summaries if s is not None)]
        refresh(self.result)

    def _card(self, s: service.Summary) -> ft.Control:
        parts = summary_parts(s)
        parts.insert(1, muted(t("handover.new_worker",
                                name=self.names.get(s.primary_worker_id or "", "?"))))
        return card(parts)


def _counts(what: Any, agreements_key: str) -> dict[str, str]:
    """Households, agreements and network contacts of a plan or result, each in words."""
    return {"households": tn("count.households", len(what.households)),
            "agreements": tn(agreements_key, len(what.agreements)),
            "people": tn("count.network_contacts", len(what.people))}
