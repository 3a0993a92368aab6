"""The team lead's overview of a period: contacts, anonymous street contacts, activations,
agreements, signals (rising streets marked) and initiatives, as charts and figure rows; every
figure and every bar opens the records behind it."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import flet as ft

from app.domain import vocab as codes
from app.i18n import t, vocab
from app.services import overview as service
from app.services.overview import Figure
from app.ui.familiar_faces import FamiliarFacesCard
from app.ui.handlers import guarded
from app.ui.team_widgets import (
    PALETTE,
    RISING,
    Part,
    PeriodPicker,
    RecordsDialog,
    bar_chart,
    figure_tile,
    legend,
    reload_period,
    section,
)
from app.ui.widgets import muted, screen_column

if TYPE_CHECKING:
    from app.ui.shell import App

STATE_COLOURS = {"kept": ft.Colors.TEAL_400, "open": ft.Colors.AMBER_600,
                 "overdue": ft.Colors.RED_700}


class OverviewScreen:
    shows = frozenset({"contact", "activation", "agreement", "signal", "initiative",
                       "resident", "household", "network_person", "tie", "handover"})
    """Loaded again, for the chosen period, when a pull changes these (``App._after_sync``)."""

    def __init__(self, app: App):
        self.app = app
        self.title = t("overview.title")
        self.records = RecordsDialog(app)

    def build(self) -> ft.Control:
        self.period = PeriodPicker(self.load)
        self.busy = ft.ProgressBar(visible=False)
        self.body = ft.Column(spacing=12, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        self.faces = FamiliarFacesCard(self.app)
        return screen_column([
            self.period,
            muted(t("overview.explain")), self.busy, self.body, self.faces,
            ft.Container(height=80)], spacing=10)

    def _open(self, label: str):  # noqa: ANN202 - a handler
        async def run(figure: Figure) -> None:
            await self.records.open(label, figure)
        return run

    def _part_opener(self, label: str):  # noqa: ANN202 - a handler
        async def run(part: Part) -> None:
            await self.records.open(f"{label} - {part.label}", part.figure)
        return run

    @guarded
    async def load(self) -> None:
        await reload_period(self, service.compute)
        await self.faces.load()

    def render(self, ov: service.Overview) -> list[ft.Control]:
        wide = self.app.wide
        o = self._open
        agreements = [f for figs in ov.agreements.values() for f in figs]
        all_agreements = Figure("agreements", "agreement", [i for f in agreements for i in f.ids])
        all_signals = Figure("signals", "signal",
                             [i for f in ov.signal_categories for i in f.ids])
        all_acts = Figure("activations", "activation",
                          [i for f in ov.activations for i in f.ids])
        key = [
            (t("overview.contacts"), ov.contacts, ""),
            (t("overview.anonymous"), ov.anonymous,
             f"{t('overview.anonymous_people')}: {ov.anonymous.extra}"),
            (t("overview.activations"), all_acts, ""),
            (t("overview.agreements"), all_agreements, ""),
            (t("overview.signals"), all_signals, ""),
            (t("overview.initiatives"), ov.initiatives, ""),
        ]
        cards = ft.Row([ft.Container(figure_tile(label, fig, o(label), detail), width=300)
                        for label, fig, detail in key], wrap=True, spacing=8, run_spacing=4)

        colours = dict(zip(codes.CHANNELS, PALETTE, strict=False))
        weeks = [(f"{date.fromisoformat(w.key):%d-%m}",
                  [Part(ov.week_channels[w.key][ch], vocab("channel", ch), colours[ch])
                   for ch in codes.CHANNELS]) for w in ov.weeks]
        per_week = section(
            t("overview.per_week"),
            bar_chart(weeks, self._part_opener(t("overview.per_week"))),
            [figure_tile(vocab("channel", f.key), f, o(vocab("channel", f.key)),
                         color=colours.get(f.key)) for f in ov.channels], wide,
            [legend([(vocab("channel", ch), colours[ch]) for ch in codes.CHANNELS])])

        theme_parts = [(vocab("theme", f.key), [Part(f, vocab("theme", f.key), PALETTE[0])])
                       for f in ov.themes]
        themes = section(t("overview.by_theme"),
                         bar_chart(theme_parts, self._part_opener(t("overview.by_theme"))),
                         [figure_tile(vocab("theme", f.key), f, o(vocab("theme", f.key)))
                          for f in ov.themes], wide)

        outcome_colours = [ft.Colors.AMBER_600, ft.Colors.TEAL_300, ft.Colors.TEAL_700,
                           ft.Colors.RED_400]
        acts = section(
            t("overview.activations"),
            bar_chart([(vocab("outcome", f.key), [Part(f, vocab("outcome", f.key), c)])
                       for f, c in zip(ov.activations, outcome_colours, strict=False)],
                      self._part_opener(t("overview.activations")), height=180),
            [figure_tile(vocab("outcome", f.key), f, o(vocab("outcome", f.key)))
             for f in ov.activations], wide)

        owner_groups = [(vocab("team_owner", kind),
                         [Part(f, t(f"agreement_state.{f.key}"), STATE_COLOURS[f.key])
                          for f in figs]) for kind, figs in ov.agreements.items()]
        owners = section(
            t("overview.agreements"),
            bar_chart(owner_groups, self._part_opener(t("overview.agreements")), height=180),
            [figure_tile(f"{vocab('team_owner', kind)}: {t(f'agreement_state.{f.key}')}", f,
                         o(f"{vocab('team_owner', kind)}: {t(f'agreement_state.{f.key}')}"),
                         color=ft.Colors.RED_800 if f.key == "overdue" and f.value else None)
             for kind, figs in ov.agreements.items() for f in figs], wide,
            [legend([(t(f"agreement_state.{s}"), c) for s, c in STATE_COLOURS.items()])])

        cat_colours = dict(zip(codes.SIGNAL_CATEGORIES, PALETTE, strict=False))
        streets = [(s.street, [Part(f, vocab("signal", f.key), cat_colours.get(f.key,
                                                                               PALETTE[-1]))
                                    for f in s.by_category.values()]) for s in ov.signals]
        rising = ov.rising_streets
        signals = section(
            t("overview.signals_by_street"),
            bar_chart(streets, self._part_opener(t("overview.signals")),
                      label_color=[RISING if s.rising else None for s in ov.signals])
            if streets else None,
            [figure_tile(s.street + (f" ({t('overview.rising_mark')})" if s.rising else ""),
                         s.total, o(s.street), color=RISING if s.rising else None)
             for s in ov.signals], wide,
            [ft.Text(t("overview.rising", streets=", ".join(rising)) if rising
                     else t("overview.no_rising"), color=RISING if rising else None,
                     weight=ft.FontWeight.W_600),
             legend([(vocab("signal", c), col) for c, col in cat_colours.items()])])
        categories = section(
            t("overview.signals"), None,
            [figure_tile(vocab("signal", f.key), f, o(vocab("signal", f.key)))
             for f in ov.signal_categories], wide)
        initiatives = section(t("overview.initiatives"), None,
                              [figure_tile(t("overview.initiatives"), ov.initiatives,
                                           o(t("overview.initiatives")))], wide)
        if wide:
            pairs: list[ft.Control] = [
                ft.Row([ft.Container(acts, expand=1), ft.Container(owners, expand=1)],
                       vertical_alignment=ft.CrossAxisAlignment.START),
                ft.Row([ft.Container(categories, expand=1), ft.Container(initiatives, expand=1)],
                       vertical_alignment=ft.CrossAxisAlignment.START)]
        else:
            pairs = [acts, owners, categories, initiatives]
        return [cards, per_week, themes, signals, *pairs]
