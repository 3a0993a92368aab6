"""Outcomes for the team lead: ZRM first vs latest per domain and per resident, the score
distribution, the average per month, and the activations that held; charts and tables."""

from __future__ import annotations

from typing import TYPE_CHECKING

import flet as ft

from app.domain import vocab as codes
from app.i18n import change, decimal, t, vocab
from app.services import outcomes as service
from app.services.overview import Figure
from app.ui.handlers import guarded
from app.ui.team_widgets import (
    PeriodPicker,
    RecordsDialog,
    figure_tile,
    legend,
    reload_period,
    section,
    two_lines,
)
from app.ui.widgets import muted, screen_column

if TYPE_CHECKING:
    from app.ui.shell import App

FIRST, LATEST = ft.Colors.BLUE_GREY_300, ft.Colors.TEAL_500


def _table(header: list[str], rows: list[list[str]], numeric_from: int = 1) -> ft.DataTable:
    return ft.DataTable(
        columns=[ft.DataColumn(label=ft.Text(h), numeric=i >= numeric_from)
                 for i, h in enumerate(header)],
        rows=[ft.DataRow(cells=[ft.DataCell(ft.Text(c)) for c in row]) for row in rows],
        column_spacing=24, data_row_min_height=36, data_row_max_height=40,
        heading_row_height=40)


class OutcomesScreen:
    def __init__(self, app: App):
        self.app = app
        self.title = t("outcomes.title")
        self.records = RecordsDialog(app)

    def build(self) -> ft.Control:
        self.period = PeriodPicker(self.load, "12m")
        self.busy = ft.ProgressBar(visible=False)
        self.body = ft.Column(spacing=12, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        return screen_column([
            self.period,
            muted(t("outcomes.explain")), self.busy, self.body, ft.Container(height=80)],
            spacing=10)

    @guarded
    async def load(self) -> None:
        await reload_period(self, service.compute)

    def render(self, out: service.Outcomes) -> list[ft.Control]:
        if not out.changes:
            return [muted(t("outcomes.none"), 15)]
        wide = self.app.wide

        domains = [d for d in out.domains if d.residents]
        per_domain = section(
            t("outcomes.per_domain"),
            ft.Column([legend([(t("outcomes.first"), FIRST), (t("outcomes.latest"), LATEST)]),
                       ft.Row([self._pair_chart(domains)], scroll=ft.ScrollMode.AUTO)]),
            [], wide=False,
            extra=[ft.Row([_table(
                [t("outcomes.domain"), t("outcomes.residents"), t("outcomes.improved"),
                 t("outcomes.same"), t("outcomes.worse"), t("outcomes.first_latest")],
                [[vocab("zrm", d.domain), str(d.residents), str(d.improved), str(d.same),
                  str(d.worse), change(d.first_avg, d.latest_avg)] for d in domains])],
                scroll=ft.ScrollMode.AUTO)])
        dist = section(
            t("outcomes.distribution"),
            self._dist_chart(out), [], wide=False,
            extra=[legend([(t("outcomes.first"), FIRST), (t("outcomes.latest"), LATEST)])])
        months = section(
            t("outcomes.by_month"),
            self._month_chart(out), [], wide=False,
            extra=[muted(", ".join(f"{m}: {a} ({n})" for m, a, n in out.by_month))])
        held = Figure("held", "activation", out.activations_held)
        activations = section(t("overview.activations"), None, [
            figure_tile(vocab("outcome", "held"), held,
                        lambda f: self.records.open(vocab("outcome", "held"), f),
                        t("outcomes.held", held=len(out.activations_held),
                          total=out.activations))], wide)
        residents = section(t("outcomes.per_resident"), None, [ft.Row([_table(
            [t("report.resident"), t("outcomes.domains"), t("outcomes.first_latest"),
             t("outcomes.change")],
            [[r.name, str(r.domains), change(r.first_avg, r.latest_avg),
              ("+" if r.delta > 0 else "") + decimal(r.delta)]
             for r in out.residents])], scroll=ft.ScrollMode.AUTO)], wide)
        top = (ft.Row([ft.Container(dist, expand=1), ft.Container(months, expand=1)],
                      vertical_alignment=ft.CrossAxisAlignment.START)
               if wide else ft.Column([dist, months]))
        return [per_domain, top, activations, residents]

    def _pair_chart(self, domains: list[service.DomainOutcome]) -> ft.Control:
        import flet_charts as fch

        groups = [fch.BarChartGroup(x=i, rods=[
            fch.BarChartRod(to_y=d.first_avg or 0, color=FIRST, width=10,
                            tooltip=f"{t('outcomes.first')}: {decimal(d.first_avg)}"),
            fch.BarChartRod(to_y=d.latest_avg or 0, color=LATEST, width=10,
                            tooltip=f"{t('outcomes.latest')}: {decimal(d.latest_avg)}")])
            for i, d in enumerate(domains)]
        labels = [fch.ChartAxisLabel(value=i, label=ft.Text(
            two_lines(vocab("zrm", d.domain)), size=10, text_align=ft.TextAlign.CENTER))
            for i, d in enumerate(domains)]
        return fch.BarChart(groups=groups, min_y=0, max_y=5, height=230,
                            width=max(480, 96 * len(domains)),
                            left_axis=fch.ChartAxis(label_size=28),
                            bottom_axis=fch.ChartAxis(labels=labels, label_size=40))

    def _month_chart(self, out: service.Outcomes) -> ft.Control:
        import flet_charts as fch

        groups = [fch.BarChartGroup(x=i, rods=[fch.BarChartRod(
            to_y=a, color=LATEST, width=18, tooltip=f"{m}: {a} ({n})")])
            for i, (m, a, n) in enumerate(out.by_month)]
        labels = [fch.ChartAxisLabel(value=i, label=ft.Text(m, size=10))
                  for i, (m, _, _) in enumerate(out.by_month)]
        return fch.BarChart(groups=groups, min_y=0, max_y=5, height=200, expand=True,
                            left_axis=fch.ChartAxis(label_size=28),
                            bottom_axis=fch.ChartAxis(labels=labels, label_size=24))

    def _dist_chart(self, out: service.Outcomes) -> ft.Control:
        import flet_charts as fch

        groups = [fch.BarChartGroup(x=i, rods=[
            fch.BarChartRod(to_y=out.first_distribution[s], color=FIRST, width=14,
                            tooltip=f"{t('outcomes.first')}: {out.first_distribution[s]}"),
            fch.BarChartRod(to_y=out.latest_distribution[s], color=LATEST, width=14,
                            tooltip=f"{t('outcomes.latest')}: {out.latest_distribution[s]}")])
            for i, s in enumerate(codes.ZRM_SCORES)]
        labels = [fch.ChartAxisLabel(value=i, label=ft.Text(str(s), size=11))
                  for i, s in enumerate(codes.ZRM_SCORES)]
        top = max([*out.first_distribution.values(), *out.latest_distribution.values(), 1])
        return fch.BarChart(groups=groups, min_y=0, max_y=top * 1.1, height=200, expand=True,
                            left_axis=fch.ChartAxis(label_size=32, show_max=False),
                            bottom_axis=fch.ChartAxis(labels=labels, label_size=24))
