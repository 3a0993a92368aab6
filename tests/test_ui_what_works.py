"""The Wat werkt and Straten screens on synthetic teams: the forest plot's numbers, the
warning, "te weinig gegevens", and the households or records behind a figure."""

from __future__ import annotations

import asyncio

import flet as ft
import pytest
from test_services_street_alarms import street_team
from test_services_what_works import PERIOD, build_team
from test_ui_team_lead import LeadApp, walk

from app.i18n import set_language, t
from app.ui.routes import make_screen


@pytest.fixture(autouse=True)
def dutch():
    set_language("nl")


def texts(control: ft.Control) -> list[str]:
    return [c.value for c in walk(control) if isinstance(c, ft.Text) and c.value]


def lead_screen(store, route: str):  # noqa: ANN001, ANN201
    app = LeadApp(store, 1440)
    screen = make_screen(app, route, "")
    built = screen.build()
    return app, screen, built


def test_what_works_shows_the_estimate_and_opens_the_households(store):
    build_team(store, 80, effect=1.0)
    app, screen, built = lead_screen(store, "what_works")
    screen.period.period = lambda: PERIOD
    asyncio.run(screen.load())
    shown = texts(screen.body)
    assert t("works.not_cause") in texts(built)
    key = t("practice.key_figure")
    assert key in shown and "40 / 40" in shown
    assert any(s.startswith("+") and "90%" in s for s in shown)
    assert t("works.too_few") in shown  # e.g. nobody had a held activation
    rows = [c for c in walk(screen.body) if isinstance(c, ft.Container) and c.on_click]
    index = [r.content.controls[0].value for r in rows[:5]].index(key)
    asyncio.run(rows[index].on_click(None))
    [dialog] = app.dialogs
    assert dialog.title.value == t("overview.records", label=key, count=40)
    assert len(dialog.content.content.controls) == 40


def test_streets_screen_puts_the_sliding_street_first(store):
    from datetime import UTC, datetime

    street_team(store, datetime.now(UTC).date())
    app, screen, _ = lead_screen(store, "streets")
    asyncio.run(screen.load())
    first = screen.body.controls[0]
    shown = texts(first)
    assert "Merelstraat" in shown and t("streets.alarm") in shown
    buttons = [c for c in walk(first) if isinstance(c, ft.OutlinedButton)]
    asyncio.run(buttons[0].on_click(None))
    assert app.dialogs and not app.toasts
