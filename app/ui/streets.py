"""Sliding streets: every street ordered by its alarm (a Poisson CUSUM against its own normal),
with a small trend of its weekly series and the signals and contacts behind its recent weeks."""

from __future__ import annotations

from typing import TYPE_CHECKING

import flet as ft

from app.i18n import decimal, t
from app.services import street_alarms as service
from app.ui.handlers import guarded
from app.ui.team_widgets import RISING, RecordsDialog
from app.ui.widgets import MUTED, heading, muted, refresh, screen_column, secondary_button

if TYPE_CHECKING:
    from app.ui.shell import App

WATCH_COLOUR, NORMAL = ft.Colors.AMBER_700, ft.Colors.BLUE_GREY_300
SPARK_HEIGHT = 36


def state(alarm: service.StreetAlarm) -> tuple[str, str]:
    """The label key and colour of a street's state."""
    if alarm.alarm:
        return "streets.alarm", RISING
    if alarm.watch:
        return "streets.watch", WATCH_COLOUR
    return "streets.normal", NORMAL


def sparkline(alarm: service.StreetAlarm) -> ft.Control:
    """The weekly series as thin bars; the monitored weeks in the state's colour."""
    top = max([*alarm.series, 1.0])
    colour = state(alarm)[1]
    bars: list[ft.Control] = [ft.Container(width=4, height=max(1.0, SPARK_HEIGHT * v / top),
                         bgcolor=colour if i >= service.BASELINE_WEEKS else NORMAL,
                         tooltip=f"{alarm.weeks[i]:%d-%m}: {v:g}")
            for i, v in enumerate(alarm.series)]
    return ft.Row(bars, spacing=1, height=SPARK_HEIGHT, tight=True,
                  vertical_alignment=ft.CrossAxisAlignment.END)


class StreetsScreen:
    def __init__(self, app: App):
        self.app = app
        self.title = t("streets.title")
        self.records = RecordsDialog(app)

    def build(self) -> ft.Control:
        self.body = ft.Column(spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        return screen_column([muted(t("streets.explain")), self.body, ft.Container(height=80)],
                             spacing=10)

    @guarded
    async def load(self) -> None:
        alarms = await self.app.bg(service.compute, self.app.store)
        self.body.controls = [self._card(a) for a in alarms] or [muted(t("streets.none"), 15)]
        refresh(self.body)

    def _card(self, a: service.StreetAlarm) -> ft.Control:
        key, colour = state(a)
        chip = ft.Container(ft.Text(t(key), color=ft.Colors.WHITE, size=12,
                                    weight=ft.FontWeight.W_600),
                            bgcolor=colour, border_radius=10,
                            padding=ft.Padding.symmetric(horizontal=8, vertical=2))
        figures = t("streets.figures", recent=decimal(a.recent),
                    normal=decimal(a.detector.baseline),
                    level=decimal(a.level),
                    limit=f"{service.LIMIT:g}")

        async def signals(_e: object) -> None:
            await self.records.open(t("streets.signals_of", street=a.street), a.signals)

        async def contacts(_e: object) -> None:
            await self.records.open(t("streets.contacts_of", street=a.street), a.contacts)

        buttons = ft.Row([
            secondary_button(t("streets.open_signals", count=a.signals.value), signals,
                             icon=ft.Icons.FLAG_OUTLINED),
            secondary_button(t("streets.open_contacts", count=a.contacts.value), contacts,
                             icon=ft.Icons.GROUPS_OUTLINED)], wrap=True, spacing=8)
        head = ft.Row([heading(a.street, 16), chip], spacing=10)
        left = ft.Column([head, ft.Text(figures, size=12, color=MUTED), buttons], tight=True,
                         spacing=6, expand=True)
        body = (ft.Row([left, sparkline(a)], vertical_alignment=ft.CrossAxisAlignment.CENTER)
                if self.app.wide else ft.Column([left, sparkline(a)], tight=True))
        return ft.Card(ft.Container(body, padding=12))
