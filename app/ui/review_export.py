"""The review export (visitatie) on the reports screen: one button for the anonymised dataset of
the chosen period; the screen says where it went and how many residents were generalised or
left out for k-anonymity."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import flet as ft

from app.i18n import t
from app.services import review_export as service
from app.services.overview import Period
from app.ui.handlers import guarded
from app.ui.widgets import heading, muted, refresh, secondary_button

if TYPE_CHECKING:
    from app.ui.shell import App


class ReviewExportPanel(ft.Column):
    def __init__(self, app: App, period: Callable[[], Period | None]):
        super().__init__(spacing=8)
        self.app = app
        self.period = period
        self.button = secondary_button(t("review.export"), self._export,
                                       icon=ft.Icons.FOLDER_ZIP_OUTLINED)
        self.result = ft.Text("", selectable=True, visible=False)
        self.controls = [heading(t("review.title"), 16), muted(t("review.explain")),
                         ft.Row([self.button]), self.result]

    @guarded
    async def _export(self, _e: Any) -> None:
        period = self.period()
        if period is None:
            return
        self.button.disabled = True
        refresh(self.button)
        try:
            out = await self.app.bg(service.export, self.app.store, period)
        finally:
            self.button.disabled = False
            refresh(self.button)
        self.result.value = t("review.saved", path=str(out.folder),
                              rows=sum(out.rows.values()), generalised=out.generalised,
                              suppressed=out.suppressed, k=service.K)
        self.result.visible = True
        refresh(self.result)
        self.app.toast(t("review.saved_short", path=str(out.folder)), seconds=8)
