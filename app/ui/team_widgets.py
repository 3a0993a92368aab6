"""Pieces of the team lead's screens: the period choice, bar charts (``flet_charts``) whose bars
open the records behind them, figure rows and the records dialog."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import flet as ft
import flet_charts as fch

from app.i18n import t
from app.services import overview as service
from app.services.overview import Figure, Period, RecordLine
from app.services.period_form import CUSTOM, PeriodForm
from app.ui.forms import bound_choice, bound_field
from app.ui.widgets import (
    MUTED,
    TOUCH,
    close_dialog,
    heading,
    muted,
    records_dialog,
    refresh,
    secondary_button,
    show_error,
)

if TYPE_CHECKING:
    from app.ui.shell import App

PALETTE = [ft.Colors.TEAL_400, ft.Colors.AMBER_600, ft.Colors.INDIGO_300, ft.Colors.PINK_300,
           ft.Colors.LIGHT_GREEN_600, ft.Colors.BROWN_300, ft.Colors.CYAN_700,
           ft.Colors.DEEP_ORANGE_300, ft.Colors.BLUE_GREY_400]
RISING = ft.Colors.RED_700


class PeriodPicker(ft.Column):
    """"Periode": the last 4 weeks … 12 months, or two days the team lead types; shows the
    chosen days, and an error beside a wrongly typed day (which stays as typed)."""

    def __init__(self, on_change: Callable[[], Any], preset: str = "3m"):
        super().__init__(spacing=6)
        self.on_period = on_change
        self.form = PeriodForm(preset)
        self.choice = bound_choice(self.form, "preset", "period", [*service.PRESETS, CUSTOM],
                                   default="3m", then=self._chosen)
        self.label = muted(Period.last(service.PRESETS[preset]).label())
        self.start = bound_field(self.form, "start", t("period.start"), width=170,
                                 on_submit=self._changed)
        self.end = bound_field(self.form, "end", t("period.end"), width=170,
                               on_submit=self._changed)
        self.apply = secondary_button(t("period.apply"), self._changed, icon=ft.Icons.CHECK)
        self.custom = ft.Row([self.start, self.end, self.apply], wrap=True, spacing=8,
                             vertical_alignment=ft.CrossAxisAlignment.START, visible=False)
        self.controls = [ft.Row([heading(t("period.label"), 16), self.choice, self.label],
                                wrap=True, spacing=12), self.custom]

    def period(self) -> Period | None:
        """The chosen period; None (with the errors shown) while the typed days are wrong."""
        found, errors = self.form.period()
        if self.form.custom:
            show_error(self.start, errors.get("start"))
            show_error(self.end, errors.get("end"))
            refresh(self.start, self.end)
        if found is not None:
            self.label.value = found.label()
            refresh(self.label)
        return found

    async def _chosen(self) -> None:
        self.custom.visible = self.form.custom
        refresh(self.custom)
        if self.form.custom:
            if self.form.fill_days():  # ready to change
                self.start.value, self.end.value = self.form.start, self.form.end
                refresh(self.start, self.end)
            return
        await self._changed()

    async def _changed(self, _e: Any = None) -> None:
        result = self.on_period()
        if asyncio.iscoroutine(result):
            await result


async def reload_period(screen: Any, compute: Callable[..., Any]) -> None:
    """Recompute a period screen's figures off the event loop and show them.

    ``screen`` has ``period`` (a PeriodPicker), ``busy``, ``body``, ``render`` and ``app``;
    ``compute(store, period)`` is the service that makes the figures. A wrongly typed period
    leaves the figures as they were.
    """
    period = screen.period.period()
    if period is None:
        return
    screen.busy.visible = True
    refresh(screen.busy)
    figures = await screen.app.bg(compute, screen.app.store, period)
    screen.body.controls = screen.render(figures)
    screen.busy.visible = False
    refresh(screen.busy, screen.body)


@dataclass(frozen=True)
class Part:
    """One piece of a bar (a stack item): its figure, label and colour."""

    figure: Figure
    label: str
    color: str


def bar_chart(groups: Sequence[tuple[str, Sequence[Part]]], on_open: Callable[[Part], Any],
              height: float = 220, label_color: Sequence[str | None] = ()) -> ft.Control:
    """A bar per group; a group of several parts is a stacked bar. A tap opens the records."""
    top = max([sum(p.figure.value for p in parts) for _, parts in groups] + [1])
    chart_groups = []
    for x, (_label, parts) in enumerate(groups):
        items, y = [], 0.0
        for p in parts:
            if p.figure.value:
                items.append(fch.BarChartRodStackItem(from_y=y, to_y=y + p.figure.value,
                                                      color=p.color))
                y += p.figure.value
        tip = "\n".join(f"{p.label}: {p.figure.value}" for p in parts if p.figure.value)
        chart_groups.append(fch.BarChartGroup(x=x, rods=[fch.BarChartRod(
            from_y=0, to_y=y, width=max(6, min(28, 600 / max(len(groups), 1))),
            stack_items=items, color=parts[0].color if len(parts) == 1 else None,
            tooltip=tip or "0", border_radius=2)]))
    labels = [fch.ChartAxisLabel(value=x, label=ft.Container(ft.Text(
        two_lines(label), size=10, text_align=ft.TextAlign.CENTER,
        color=(label_color[x] if x < len(label_color) else None) or MUTED,
        no_wrap=True), padding=ft.Padding.only(top=4)))
        for x, (label, _) in enumerate(groups)]

    async def tapped(e: fch.BarChartEvent) -> None:
        if e.type != fch.ChartEventType.TAP_UP or e.group_index is None:
            return
        parts = [p for p in groups[e.group_index][1] if p.figure.value]
        if not parts:
            return
        index = e.stack_item_index if e.stack_item_index is not None else 0
        result = on_open(parts[min(max(index, 0), len(parts) - 1)])
        if hasattr(result, "__await__"):
            await result

    return fch.BarChart(
        groups=chart_groups, max_y=top * 1.1, height=height, expand=True, interactive=True,
        on_event=tapped, group_alignment=ft.MainAxisAlignment.SPACE_AROUND,
        left_axis=fch.ChartAxis(label_size=36, show_max=False),
        bottom_axis=fch.ChartAxis(labels=labels, label_size=40),
        horizontal_grid_lines=fch.ChartGridLines(color=ft.Colors.OUTLINE_VARIANT, width=1,
                                                 dash_pattern=[3, 3]))


def two_lines(label: str) -> str:
    """A bar's label whole, on two lines when long ("Gezondheid\n& zorg"), never cut off."""
    if len(label) <= 10 or " " not in label:
        return label
    middle = len(label) / 2
    cut = min((i for i, ch in enumerate(label) if ch == " "), key=lambda i: abs(i - middle))
    return f"{label[:cut]}\n{label[cut + 1:]}"


def legend(parts: Sequence[tuple[str, str]]) -> ft.Row:
    return ft.Row([ft.Row([ft.Container(width=12, height=12, bgcolor=colour, border_radius=2),
                           ft.Text(label, size=12)], spacing=4, tight=True)
                   for label, colour in parts], wrap=True, spacing=12)


def figure_tile(label: str, figure: Figure, on_open: Callable[[Figure], Any],
                detail: str = "", color: str | None = None) -> ft.ListTile:
    """A figure as a row: label, number; a tap opens the records behind it."""
    async def tapped(_e: Any) -> None:
        result = on_open(figure)
        if hasattr(result, "__await__"):
            await result

    return ft.ListTile(
        title=ft.Text(label, color=color), subtitle=ft.Text(detail) if detail else None,
        trailing=ft.Text(str(figure.value), size=16, weight=ft.FontWeight.W_600),
        on_click=tapped, dense=True, min_height=TOUCH - 8)


def section(title: str, chart: ft.Control | None, rows: Sequence[ft.Control], wide: bool,
            extra: Sequence[ft.Control] = ()) -> ft.Control:
    """A titled card: the chart and its figure rows side by side (wide) or one below the other."""
    table = ft.Column(list(rows), spacing=0, tight=True)
    if chart is None:
        body: ft.Control = table
    elif wide:
        body = ft.Row([ft.Container(chart, expand=3), ft.Container(table, expand=2)],
                      vertical_alignment=ft.CrossAxisAlignment.START)
    else:
        body = ft.Column([chart, table], tight=True)
    return ft.Card(ft.Container(ft.Column([heading(title, 16), *extra, body], tight=True,
                                          spacing=8), padding=12))


class RecordsDialog:
    """The records behind a figure: date and a line each; each opens (see ``_opener``)."""

    def __init__(self, app: App):
        self.app = app

    async def open(self, label: str, figure: Figure) -> None:
        lines = await self.app.bg(service.records, self.app.store, figure)
        tiles: list[ft.Control] = []
        for line in lines:
            tiles.append(ft.ListTile(
                title=ft.Text(line.text, size=14),
                subtitle=ft.Text(line.day.strftime("%d-%m-%Y") if line.day else ""),
                dense=True, on_click=self._opener(line)))
        if not tiles:
            tiles = [muted(t("overview.no_records"))]
        if figure.value > len(lines):
            tiles.insert(0, muted(t("overview.first_shown", count=len(lines))))
        self.dialog = records_dialog(t("overview.records", label=label, count=figure.value), tiles)
        self.app.dialog(self.dialog)

    def _opener(self, line: RecordLine) -> Callable[[Any], None] | None:
        """A contact opens to be read whole and corrected; a signal its list; the rest their
        resident."""
        route = {"contact": f"contact_edit/{line.id}", "signal": "signals"}.get(line.kind)
        if route is None and line.resident_id:
            route = f"resident/{line.resident_id}"
        if route is None:
            return None

        def go(_e: Any) -> None:
            close_dialog(self.dialog)
            self.app.go(route)
        return go
