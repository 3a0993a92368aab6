"""ZRM scores of a resident: the latest score per domain, with the change since the one before;
tap a domain to record a new score."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

from app.domain import vocab as codes
from app.i18n import t, vocab
from app.services import reads
from app.services import scores as service
from app.services.dialog_forms import ScoreForm
from app.ui.forms import bound_choice, bound_date, finish_form
from app.ui.handlers import guard, guarded
from app.ui.widgets import (
    MUTED,
    TOUCH,
    error_text,
    form_dialog,
    heading,
    muted,
    primary_button,
    refresh,
    screen_column,
)

if TYPE_CHECKING:
    from app.ui.shell import App


def change_badge(change: int | None) -> ft.Control:
    """The change since the previous score: an arrow (icon, not a glyph a font may lack) and
    the signed difference, green up, red down."""
    if change is None:
        return ft.Container(width=1)
    if change > 0:
        icon, colour = ft.Icons.ARROW_UPWARD, ft.Colors.GREEN_800
    elif change < 0:
        icon, colour = ft.Icons.ARROW_DOWNWARD, ft.Colors.RED_800
    else:
        icon, colour = ft.Icons.DRAG_HANDLE, MUTED
    return ft.Row([ft.Icon(icon, color=colour, size=18),
                   ft.Text(f"{change:+d}", color=colour, size=16, weight=ft.FontWeight.W_600)],
                  tight=True, spacing=2, tooltip=t("scores.change"))


class ScoresScreen:
    def __init__(self, app: App, resident_id: str):
        self.app = app
        self.rid = resident_id
        self.title = t("scores.title")

    def build(self) -> ft.Control:
        self.heading = heading("")
        self.rows = ft.Column(spacing=0)
        return screen_column([
            self.heading, muted(t("scores.explain")),
            ft.Row([primary_button(t("scores.record"), lambda _e: self._record(None),
                                   icon=ft.Icons.ADD)]),
            self.rows, ft.Container(height=80),
        ], spacing=10)

    @guarded
    async def load(self) -> None:
        resident = await self.app.bg(reads.resident, self.app.store, self.rid)
        summary = await self.app.bg(service.resident_summary, self.app.store, self.rid)
        self.heading.value = t("scores.of", name=resident.name if resident else "?")
        self.rows.controls = [self._row(s) for s in summary]
        refresh(self.heading)
        refresh(self.rows)

    def _row(self, s: service.DomainScore) -> ft.ListTile:
        sub = (t("scores.latest_on", day=s.latest_date.strftime("%d-%m-%Y"))
               if s.latest_date else t("scores.none"))
        return ft.ListTile(
            title=ft.Text(vocab("zrm", s.domain)), subtitle=ft.Text(sub),
            leading=ft.CircleAvatar(content=ft.Text(str(s.latest) if s.latest else "–",
                                                    weight=ft.FontWeight.W_700)),
            trailing=change_badge(s.change),
            on_click=lambda _e: self._record(s.domain), min_height=TOUCH)

    def _record(self, domain: str | None) -> None:
        form = ScoreForm(self.rid, domain or "")
        domains = bound_choice(form, "domain", "zrm", codes.ZRM_DOMAINS)
        domain_error = error_text()
        score = bound_choice(form, "score", "zrm_score", codes.ZRM_SCORES)
        score_error = error_text()
        day = bound_date(self.app, form, "day", t("scores.date"))

        @guard(self.app)
        async def save(_e: Any) -> None:
            _, errors = await self.app.bg(form.save, self.app.store, self.app.ctx)
            if await finish_form(self.app, dialog, errors, [
                    (domain_error, "domain"), (score_error, "score"), (day, "date")],
                    "scores.saved"):
                await self.load()

        parts: list[ft.Control] = []
        if domain is None:
            parts += [ft.Text(t("scores.domain")), domains, domain_error]
        parts += [ft.Text(t("scores.score")), score, score_error, day]
        title = vocab("zrm", domain) if domain else t("scores.record")
        dialog = form_dialog(title, ft.Column(parts, tight=True), save)
        self.app.dialog(dialog)
