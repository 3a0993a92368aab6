"""Route name → screen: the one table of every screen of the app."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.ui.shell import App, Screen


def make_screen(app: App, name: str, arg: str) -> Screen:
    """A new screen for a route; an unknown route shows "Vandaag" rather than nothing."""
    from app.ui import (
        agreements,
        conflicts,
        contact_form,
        devices,
        ecogram,
        handed_over,
        handover,
        network,
        outcomes,
        overview,
        refused,
        reports,
        resident_page,
        residents,
        scores,
        settings,
        signals,
        streets,
        today,
        what_works,
    )
    from app.ui.shell import TEAM_LEAD_ROUTES

    screens: dict[str, Callable[[], Screen]] = {
        "today": lambda: today.TodayScreen(app),
        "contact": lambda: contact_form.ContactForm(app, resident_id=arg or None),
        "contact_edit": lambda: contact_form.ContactForm(app, contact_id=arg),
        "residents": lambda: residents.ResidentsScreen(app, selected=arg or None),
        "resident": lambda: resident_page.ResidentPage(app, arg),
        "network": lambda: network.NetworkScreen(app, selected=arg or None),
        "person": lambda: network.PersonPage(app, arg),
        "ecogram": lambda: ecogram.EcogramScreen(app, arg),
        "agreements": lambda: agreements.AgreementsScreen(app, resident_id=arg or None),
        "signals": lambda: signals.SignalsScreen(app),
        "scores": lambda: scores.ScoresScreen(app, arg),
        "settings": lambda: settings.SettingsScreen(app),
        "refused": lambda: refused.RefusedScreen(app),
        "overview": lambda: overview.OverviewScreen(app),
        "outcomes": lambda: outcomes.OutcomesScreen(app),
        "what_works": lambda: what_works.WhatWorksScreen(app),
        "streets": lambda: streets.StreetsScreen(app),
        "handover": lambda: handover.HandoverScreen(app),
        "handed_over": lambda: handed_over.HandedOverScreen(app),
        "reports": lambda: reports.ReportsScreen(app),
        "conflicts": lambda: conflicts.ConflictsScreen(app),
        "devices": lambda: devices.DevicesScreen(app),
    }
    if name in TEAM_LEAD_ROUTES and getattr(app, "role", None) != "team_lead":
        name = "today"  # a team lead's screens need a team lead's role
    return screens.get(name, screens["today"])()
