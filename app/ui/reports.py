"""Reports and exports: the period report as PDF and the team's records as CSV (one ZIP), handed
to the system's save/share dialog (``FilePicker.save_file`` with the bytes; a download in a
browser): on a phone the app's own data folder is out of the worker's reach."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

from app.i18n import t, tn
from app.services import reports as service
from app.ui.handlers import guarded
from app.ui.review_export import ReviewExportPanel
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
            ReviewExportPanel(self.app, self.period.period),
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
            pdf, csvs, files = await self.app.bg(service.export_downloads, self.app.store,
                                                 period, bool(self.personal.value))
            picker = ft.FilePicker()
            for download in (pdf, csvs):
                await picker.save_file(dialog_title=t("reports.save_title"),
                                       file_name=download.name, src_bytes=download.data)
        finally:
            self.busy.visible, self.export.disabled = False, False
            refresh(self.busy, self.export)
        self.where.value = t("reports.handed_over", pdf=pdf.name, zip=csvs.name)
        self.where.visible = True
        self.files.controls = [muted(tn("reports.files", len(files), pdf=pdf.name,
                                        rows=sum(f.rows for f in files)))]
        self.files.controls += [muted(f"{csvs.name}/{f.path.name}: {f.rows}") for f in files]
        refresh(self.where, self.files)
        self.app.toast(self.where.value, seconds=8, announce=True)
