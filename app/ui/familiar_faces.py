"""Vaste gezichten on Overzicht: the share of households with the same primary worker for 12
months or more, handovers per 100 households a year and households "uit beeld" (N weeks,
settable), each with its trend per quarter; every figure opens its households."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

from app.i18n import decimal, t
from app.services import familiar_faces as service
from app.services.forms import Invalid, parse_int
from app.ui.household_list import HouseholdsDialog
from app.ui.team_widgets import section
from app.ui.widgets import TOUCH, field, muted, refresh, show_error

if TYPE_CHECKING:
    from app.ui.shell import App

MAX_WEEKS = 104


def percent(share: float | None) -> str:
    return "–" if share is None else f"{share:.0%}"


def per_100(value: float | None) -> str:
    return "–" if value is None else decimal(value)


def quarter(day: Any) -> str:
    return f"{day.year} K{(day.month - 1) // 3 + 1}"


class FamiliarFacesCard(ft.Column):
    """The card and its own load (it does not follow the overview's period: it is "now")."""

    def __init__(self, app: App):
        super().__init__(tight=True)
        self.app = app
        self.households = HouseholdsDialog(app)
        self.weeks = field(t("faces.weeks"), str(service.OUT_OF_SIGHT_WEEKS), width=200,
                           on_submit=self._weeks_changed)
        self.controls = [muted(t("faces.loading"))]

    async def load(self) -> None:
        weeks = self._weeks()
        if weeks is None:
            return
        out = await self.app.bg(service.compute, self.app.store, weeks)
        self.controls = [self.render(out)]
        refresh(self)

    def _weeks(self) -> int | None:
        try:
            weeks = parse_int(self.weeks.value or "", 1, MAX_WEEKS, "error.weeks")
        except Invalid as bad:
            show_error(self.weeks, bad.key)
            refresh(self.weeks)
            return None
        show_error(self.weeks, None)
        return weeks

    async def _weeks_changed(self, _e: Any = None) -> None:
        await self.load()

    def render(self, out: service.FamiliarFaces) -> ft.Control:
        now = out.now
        tenure = {x.household_id: t("faces.tenure", months=f"{x.months:g}".replace(".", ","))
                  for x in now.tenures}
        rows = [
            self._tile(t("faces.long"), percent(now.long_share),
                       t("faces.long_detail", count=len(now.long), total=len(now.households)),
                       now.long, tenure),
            self._tile(t("faces.handovers"), per_100(now.handovers_per_100),
                       t("faces.handovers_detail", count=len(now.handovers)), now.handed,
                       tenure),
            self._tile(t("faces.out_of_sight", weeks=now.weeks), str(len(now.out_of_sight)),
                       t("faces.out_of_sight_detail", weeks=now.weeks), now.out_of_sight,
                       tenure),
            self._tile(t("faces.all"), str(len(now.households)), t("faces.all_detail"),
                       now.households, tenure)]
        trend = ft.DataTable(
            columns=[ft.DataColumn(label=ft.Text(h), numeric=i > 0) for i, h in enumerate(
                [t("faces.quarter"), t("faces.long"), t("faces.handovers"),
                 t("faces.out_of_sight", weeks=now.weeks)])],
            rows=[ft.DataRow(cells=[ft.DataCell(ft.Text(c)) for c in (
                quarter(f.day), percent(f.long_share), per_100(f.handovers_per_100),
                str(len(f.out_of_sight)))]) for f in out.trend],
            column_spacing=24, data_row_min_height=32, data_row_max_height=36,
            heading_row_height=36)
        return section(t("faces.title"), None, rows, wide=False,
                       extra=[muted(t("faces.explain")), self.weeks,
                              ft.Row([trend], scroll=ft.ScrollMode.AUTO)])

    def _tile(self, label: str, value: str, detail: str, ids: list[str],
              tenure: dict[str, str]) -> ft.ListTile:
        async def tapped(_e: Any) -> None:
            await self.households.open(label, ids, tenure)

        return ft.ListTile(title=ft.Text(label), subtitle=ft.Text(detail),
                           trailing=ft.Text(value, size=16, weight=ft.FontWeight.W_600),
                           on_click=tapped, dense=True, min_height=TOUCH - 8)
