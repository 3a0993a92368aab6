"""Vandaag: one big "Nieuw contact", today's contacts, agreements due (and overdue), signals of
my streets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

from app.i18n import t, tn, vocab
from app.services import agreements as agreements_service
from app.services import today as today_service
from app.ui.handlers import guard, guarded
from app.ui.widgets import OVERDUE, TOUCH, heading, muted, refresh, screen_column

if TYPE_CHECKING:
    from app.ui.shell import App


def contact_title(row: today_service.ContactRow) -> str:
    c = row.contact
    if c.group_size:
        return t("contact.group", n=c.group_size, label=c.group_label or "")
    return ", ".join(row.who) or t("contact.nobody")


def contact_tile(row: today_service.ContactRow, on_click: Any = None) -> ft.ListTile:
    c = row.contact
    local = c.at.astimezone() if c.at.tzinfo else c.at
    bits = [local.strftime("%H:%M"), c.street, vocab("channel", c.channel)]
    return ft.ListTile(
        leading=ft.Icon(ft.Icons.GROUPS if c.group_size else ft.Icons.PERSON_OUTLINE),
        title=ft.Text(contact_title(row)),
        subtitle=ft.Text(" · ".join(b for b in bits if b)), on_click=on_click,
        min_height=TOUCH)


def agreement_subtitle(row: agreements_service.AgreementRow) -> str:
    a = row.agreement
    bits = [t("agreement.by", who=row.owner_name or vocab("owner", a.owner_kind))]
    if row.resident_name:
        bits.append(t("agreement.for", who=row.resident_name))
    if a.due:
        bits.append(t("agreement.overdue_since", day=a.due.strftime("%d-%m")) if row.overdue
                    else t("agreement.due_on", day=a.due.strftime("%d-%m")))
    return " · ".join(bits)


def agreement_tile(row: agreements_service.AgreementRow) -> ft.ListTile:
    """An open agreement; an overdue one in red, with a warning sign."""
    return ft.ListTile(
        leading=ft.Icon(ft.Icons.WARNING_AMBER if row.overdue else ft.Icons.EVENT,
                        color=OVERDUE if row.overdue else None),
        title=ft.Text(row.agreement.what),
        subtitle=ft.Text(agreement_subtitle(row), color=OVERDUE if row.overdue else None),
        min_height=TOUCH)


class TodayScreen:
    shows = frozenset({"contact", "agreement", "signal", "resident", "handover", "worker"})
    """Loaded again when a pull changes these (``App._after_sync``): a colleague's contact or a
    handed-over caseload appears without leaving the screen."""

    def __init__(self, app: App):
        self.app = app
        self.title = t("today.title")

    def build(self) -> ft.Control:
        self.contacts = ft.Column(spacing=0)
        self.agreements = ft.Column(spacing=0)
        self.signals = ft.Column(spacing=0)
        self.handed = ft.Container(visible=False)
        self.sliding = ft.Container(visible=False, bgcolor=ft.Colors.RED_50, border_radius=8)
        big = ft.FilledButton(
            content=ft.Text(t("contact.new"), size=20, weight=ft.FontWeight.W_600),
            icon=ft.Icons.ADD_COMMENT, height=72, expand=True,
            on_click=lambda _e: self.app.go("contact"))
        contacts: list[ft.Control] = [heading(t("today.contacts")), self.contacts]
        rest: list[ft.Control] = [heading(t("today.agreements")), self.agreements,
                heading(t("today.signals")), self.signals]
        if self.app.wide:  # tablet and laptop: today's contacts beside what is due
            body: list[ft.Control] = [ft.Row(
                [ft.Column(contacts, expand=True), ft.Column(rest, expand=True)],
                vertical_alignment=ft.CrossAxisAlignment.START, spacing=24)]
        else:
            body = [*contacts, *rest]
        return screen_column([
            ft.Row([big]), self.handed, self.sliding, *body,
            ft.Container(height=80),  # room above the floating button
        ], spacing=8)

    @guarded
    async def load(self) -> None:
        view = await self.app.bg(today_service.today, self.app.store, self.app.ctx)
        self.contacts.controls = [
            contact_tile(r, lambda _e, cid=r.contact.id: self.app.go(f"contact_edit/{cid}"))
            for r in view.contacts] or [
            muted(t("today.no_contacts"), 15)]
        self.agreements.controls = [self._agreement(r) for r in view.agreements] or [
            muted(t("today.no_agreements"), 15)]
        self.signals.controls = [self._signal(s) for s in view.signals] or [
            muted(t("today.no_signals"), 15)]
        self.handed.content = ft.ListTile(
            leading=ft.Icon(ft.Icons.SWAP_HORIZ), min_height=TOUCH,
            title=ft.Text(tn("handed_over.banner", view.handed_over)),
            on_click=lambda _e: self.app.go("handed_over"))
        self.handed.bgcolor, self.handed.border_radius = ft.Colors.AMBER_50, 8
        self.handed.visible = view.handed_over > 0
        self.sliding.content = ft.ListTile(
            leading=ft.Icon(ft.Icons.ADD_ROAD, color=OVERDUE), min_height=TOUCH,
            title=ft.Text(t("streets.today_alarm", streets=", ".join(view.street_alarms))),
            on_click=lambda _e: self.app.go("signals"))
        self.sliding.visible = bool(view.street_alarms)
        refresh(self.sliding)
        refresh(self.contacts)
        refresh(self.agreements)
        refresh(self.signals)
        refresh(self.handed)

    def _agreement(self, row: agreements_service.AgreementRow) -> ft.ListTile:
        tile = agreement_tile(row)

        @guard(self.app)
        async def done(_e: Any) -> None:
            await self.app.bg(agreements_service.set_status, self.app.store,
                              row.agreement.id, "done")
            self.agreements.controls.remove(tile)
            refresh(self.agreements)
            self.app.toast(t("agreement.done_toast"))
            await self.app.saved()

        tile.trailing = ft.IconButton(ft.Icons.CHECK, tooltip=t("agreement.mark_done"),
                                      on_click=done)
        return tile

    def _signal(self, s: Any) -> ft.ListTile:
        return ft.ListTile(
            leading=ft.Icon(ft.Icons.FLAG, color=OVERDUE if s.severity >= 3 else None),
            title=ft.Text(f"{s.street}: {vocab('signal', s.category)}"),
            subtitle=ft.Text(" · ".join(x for x in (vocab("severity", s.severity),
                                                    vocab("signal_status", s.status), s.note)
                                        if x)),
            on_click=lambda _e: self.app.go("signals"), min_height=TOUCH)
