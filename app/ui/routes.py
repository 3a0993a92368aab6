"""Route name → screen: the one table of every screen of the app.

``make_screen`` is handed to the shell's ``App`` by its maker (``app/main.py``): the shell imports
no screen and no screen imports the shell or this table, so ``app/ui`` has no import circle
(``tests/test_ui_imports.py``).
"""

from __future__ import annotations

from collections.abc import Callable

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
from app.ui.shell import TEAM_LEAD_ROUTES, App, Screen

SCREENS: dict[str, Callable[[App, str], Screen]] = {
    "today": lambda app, _arg: today.TodayScreen(app),
    "contact": lambda app, arg: contact_form.ContactForm(app, resident_id=arg or None),
    "contact_edit": lambda app, arg: contact_form.ContactForm(app, contact_id=arg),
    "residents": lambda app, arg: residents.ResidentsScreen(app, selected=arg or None),
    "resident": lambda app, arg: resident_page.ResidentPage(app, arg),
    "network": lambda app, arg: network.NetworkScreen(app, selected=arg or None),
    "person": lambda app, arg: network.PersonPage(app, arg),
    "ecogram": lambda app, arg: ecogram.EcogramScreen(app, arg),
    "agreements": lambda app, arg: agreements.AgreementsScreen(app, resident_id=arg or None),
    "signals": lambda app, _arg: signals.SignalsScreen(app),
    "scores": lambda app, arg: scores.ScoresScreen(app, arg),
    "settings": lambda app, _arg: settings.SettingsScreen(app),
    "refused": lambda app, _arg: refused.RefusedScreen(app),
    "overview": lambda app, _arg: overview.OverviewScreen(app),
    "outcomes": lambda app, _arg: outcomes.OutcomesScreen(app),
    "what_works": lambda app, _arg: what_works.WhatWorksScreen(app),
    "streets": lambda app, _arg: streets.StreetsScreen(app),
    "handover": lambda app, _arg: handover.HandoverScreen(app),
    "handed_over": lambda app, _arg: handed_over.HandedOverScreen(app),
    "reports": lambda app, _arg: reports.ReportsScreen(app),
    "conflicts": lambda app, _arg: conflicts.ConflictsScreen(app),
    "devices": lambda app, _arg: devices.DevicesScreen(app),
}


def make_screen(app: App, name: str, arg: str) -> Screen:
    """A new screen for a route; an unknown route shows "Vandaag" rather than nothing."""
    if name in TEAM_LEAD_ROUTES and getattr(app, "role", None) != "team_lead":
        name = "today"  # a team lead's screens need a team lead's role
    return SCREENS.get(name, SCREENS["today"])(app, arg)
