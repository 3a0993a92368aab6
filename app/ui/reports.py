"""Reports and exports: the period report as PDF and the team's records as CSV, written to
``exports/`` in the app's data folder; the screen says where."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

from app.i18n import t, tn
from app.services import reports as service
from app.ui.shell import guarded
from app.ui.team_widgets import PeriodPicker
from app.ui.widgets import muted, primary_button, refresh, screen_column

if TYPE_CHECKING:
    from app.ui.shell import App


class ReportsScreen:
    def __init__(self, app: App):
        self.app = app
        self.title = t("reports.title")

    def build(self) -> ft.Control:
        self.period = PeriodPicker(self._period_changed)
        self.personal = ft.Switch(label=t("reports.personal"), value=False)
        self.busy = ft.ProgressBar(visible=False)
        self.export = primary_button(t("reports.export"), self._export,
                                     icon=ft.Icons.PICTURE_AS_PDF_OUTLINED)
        self.where = ft.Text("", selectable=True, visible=False)
        self.files = ft.Column(spacing=2)
        return screen_column([
            muted(t("reports.explain")),
            self.period,
            self.personal, ft.Row([self.export]), self.busy, self.where, self.files,
            ft.Container(height=80)], spacing=12)

    async def load(self) -> None:
        return None

    async def _period_changed(self) -> None:
        self.period.period()  # shows the days, or what is wrong with them

    @guarded
    async def _export(self, _e: Any) -> None:
        period = self.period.period()
        if period is None:
            return
        self.busy.visible, self.export.disabled = True, True
        refresh(self.busy, self.export)
        try:
            pdf, files = await self.app.bg(service.export, self.app.store,
                                           period, bool(self.personal.value))
        finally:
            self.busy.visible, self.export.disabled = False, False
            refresh(self.busy, self.export)
        self.where.value = t("reports.saved", path=str(pdf.parent))
        self.where.visible = True
        self.files.controls = [muted(tn("reports.files", len(files), pdf=pdf.name,
                                        rows=sum(f.rows for f in files)))]
        self.files.controls += [muted(f"csv/{f.path.name}: {f.rows}") for f in files]
        refresh(self.where, self.files)
        self.app.toast(t("reports.saved", path=str(pdf.parent)), seconds=8, announce=True)
