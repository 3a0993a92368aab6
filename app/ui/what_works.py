"""Wat werkt: per practice the matched difference in ZRM change with its 90 % interval, as a
forest plot (drawn with containers), overall and per domain for a chosen practice, with the
method in plain words and the warning that this is a samenhang, not proof of a cause."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import flet as ft

from app.i18n import t, vocab
from app.services import what_works as service
from app.services.matched import Estimate
from app.services.what_works import estimate_text, number
from app.ui.handlers import guarded
from app.ui.household_list import HouseholdsDialog
from app.ui.team_widgets import PeriodPicker, reload_period, section
from app.ui.widgets import MUTED, Choice, muted, screen_column

if TYPE_CHECKING:
    from app.ui.shell import App

PLOT_WIDTH = 320
ROW_HEIGHT = 22
FOUND, UNCLEAR = ft.Colors.TEAL_600, ft.Colors.BLUE_GREY_300


def _scale(estimates: Sequence[Estimate]) -> float:
    ends = [abs(x) for e in estimates for x in (e.low, e.high) if x is not None]
    return max([0.5, *ends]) * 1.1


def forest_mark(est: Estimate, limit: float) -> ft.Control:
    """One line of the forest plot: zero line, the interval and the point."""
    def x(value: float) -> float:
        return (value + limit) / (2 * limit) * PLOT_WIDTH

    marks: list[ft.Control] = [ft.Container(left=x(0), top=0, width=1, height=ROW_HEIGHT,
                                            bgcolor=MUTED)]
    if not est.too_few and est.low is not None and est.high is not None:
        colour = FOUND if est.found else UNCLEAR
        marks += [
            ft.Container(left=x(est.low), top=ROW_HEIGHT / 2 - 1.5,
                         width=max(2.0, x(est.high) - x(est.low)), height=3, bgcolor=colour),
            ft.Container(left=x(est.difference or 0) - 5, top=ROW_HEIGHT / 2 - 5, width=10,
                         height=10, border_radius=5, bgcolor=colour)]
    return ft.Stack(marks, width=PLOT_WIDTH, height=ROW_HEIGHT)


def forest(rows: Sequence[tuple[str, Estimate]],
           on_open: Callable[[int], Any] | None = None) -> ft.Control:
    """A forest plot with, per row, the label, n with / n without and the estimate in words."""
    limit = _scale([e for _, e in rows])
    axis = ft.Row([ft.Text(number(-limit / 1.1), size=10, color=MUTED),
                   ft.Text(t("works.axis"), size=10, color=MUTED),
                   ft.Text(number(limit / 1.1), size=10, color=MUTED)],
                  width=PLOT_WIDTH, alignment=ft.MainAxisAlignment.SPACE_BETWEEN)
    lines: list[ft.Control] = [ft.Row([
        ft.Text(t("works.practice"), width=230, size=12, weight=ft.FontWeight.W_600),
        ft.Text(t("works.n_sides"), width=90, size=12, weight=ft.FontWeight.W_600),
        axis, ft.Text(t("works.difference"), size=12, weight=ft.FontWeight.W_600)])]
    for i, (label, est) in enumerate(rows):
        lines.append(ft.Container(ft.Row([
            ft.Text(label, width=230, size=13),
            ft.Text(f"{est.n_with} / {est.n_without}", width=90, size=13),
            forest_mark(est, limit),
            ft.Text(estimate_text(est), size=13,
                    weight=ft.FontWeight.W_600 if est.found else None)]),
            on_click=_opener(on_open, i), padding=ft.Padding.symmetric(vertical=2)))
    return ft.Row([ft.Column(lines, spacing=2, tight=True)], scroll=ft.ScrollMode.AUTO)


def _opener(on_open: Callable[[int], Any] | None, i: int) -> Callable[[Any], Any] | None:
    if on_open is None:
        return None

    async def tapped(_e: Any) -> None:
        result = on_open(i)
        if hasattr(result, "__await__"):
            await result
    return tapped


class WhatWorksScreen:
    def __init__(self, app: App):
        self.app = app
        self.title = t("works.title")
        self.households = HouseholdsDialog(app)
        self.result: service.WhatWorks | None = None

    def build(self) -> ft.Control:
        self.period = PeriodPicker(self.load, "12m")
        self.busy = ft.ProgressBar(visible=False)
        self.body = ft.Column(spacing=12, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        self.practice = Choice("practice", service.PRACTICES, ["key_figure"],
                               on_change=self._practice_chosen)
        self.domains = ft.Column(tight=True)
        warning = ft.Container(ft.Row([ft.Icon(ft.Icons.INFO_OUTLINE, color=ft.Colors.AMBER_800),
                                       ft.Text(t("works.not_cause"), weight=ft.FontWeight.W_600,
                                               expand=True)]),
                               bgcolor=ft.Colors.AMBER_50, padding=10, border_radius=6)
        method = ft.ExpansionTile(title=ft.Text(t("works.method_title")), controls=[
            ft.Container(ft.Column([ft.Text(t(f"works.method_{i}"), size=13) for i in range(1, 5)],
                                   tight=True), padding=ft.Padding.only(left=16, bottom=8))],
            expanded=True)
        return screen_column([self.period, warning, method, self.busy, self.body,
                              ft.Container(height=80)], spacing=10)

    @guarded
    async def load(self) -> None:
        await reload_period(self, service.compute)

    def render(self, out: service.WhatWorks) -> list[ft.Control]:
        self.result = out
        if not out.households:
            return [muted(t("works.none"), 15)]
        overall = section(t("works.overall"), None, [
            muted(t("works.households", count=out.households)),
            forest([(vocab("practice", r.practice), r.overall) for r in out.results],
                   self._open_households)], wide=False)
        self._fill_domains()
        per_domain = section(t("works.per_domain"), None, [self.practice, self.domains],
                             wide=False)
        return [overall, per_domain]

    def _fill_domains(self) -> None:
        if self.result is None:
            return
        code = self.practice.first("key_figure")
        found = next(r for r in self.result.results if r.practice == code)
        self.domains.controls = [forest([(vocab("zrm", d), e) for d, e in found.domains.items()])]

    async def _practice_chosen(self) -> None:
        self._fill_domains()
        self.domains.update()

    async def _open_households(self, index: int) -> None:
        """The households with the practice (and a change in the period)."""
        if self.result is None:
            return
        r = self.result.results[index]
        await self.households.open(vocab("practice", r.practice), r.households)

