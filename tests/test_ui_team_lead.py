"""The team lead's screens build and load on the seeded team without a browser, and only a
team lead's role reaches them."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import flet as ft
import pytest
from team_fixtures import rows

from app.domain.models import Household
from app.i18n import set_language, t
from app.services import context
from app.ui.routes import make_screen
from app.ui.shell import TEAM_LEAD_ROUTES, nav_for


class LeadApp:
    def __init__(self, store, width: int, role: str = "team_lead"):
        self.store, self.role = store, role
        self.page = SimpleNamespace(width=width)
        self.sync = None
        self.dialogs: list[ft.Control] = []
        self.toasts: list[str] = []
        self.routes: list[str] = []

    @property
    def ctx(self) -> context.Context:
        return context.current(self.store)

    @property
    def wide(self) -> bool:
        return self.page.width >= 840

    async def bg(self, fn, *args):  # noqa: ANN001, ANN201
        return await asyncio.to_thread(fn, *args)

    def dialog(self, d: ft.Control) -> None:
        self.dialogs.append(d)

    async def dialog_gone(self, d: ft.AlertDialog) -> None:
        assert d in self.dialogs and not d.open  # closed before its outcome is said

    def toast(self, text: str, **_kw) -> None:  # noqa: ANN003
        self.toasts.append(text)

    async def saved(self) -> None: ...

    def go(self, route: str) -> None:
        self.routes.append(route)

def walk(control):  # noqa: ANN001, ANN201
    """Every control below ``control`` (content, controls, title, trailing, ...)."""
    yield control
    for name in ("content", "controls", "title", "subtitle", "trailing", "leading", "actions"):
        child = getattr(control, name, None)
        for c in child if isinstance(child, list) else [child]:
            if isinstance(c, ft.BaseControl):
                yield from walk(c)


@pytest.fixture(autouse=True)
def dutch():
    set_language("nl")


def test_only_a_team_lead_gets_the_screens(seeded):
    store, _ = seeded
    assert {r for r, *_ in nav_for("team_lead")} >= TEAM_LEAD_ROUTES
    assert not {r for r, *_ in nav_for("street_coach")} & TEAM_LEAD_ROUTES
    assert nav_for("team_lead")[-1][0] == "settings"
    for route in TEAM_LEAD_ROUTES:
        screen = make_screen(LeadApp(store, 1440, "street_coach"), route, "")
        assert type(screen).__name__ == "TodayScreen"


@pytest.mark.parametrize("width", [412, 1440])
@pytest.mark.parametrize("route", sorted(TEAM_LEAD_ROUTES))
def test_screen_builds_and_loads(seeded, route, width):
    store, _ = seeded
    app = LeadApp(store, width)
    screen = make_screen(app, route, "")
    assert isinstance(screen.build(), ft.Control) and screen.title
    asyncio.run(screen.load())
    assert not app.toasts, app.toasts


def test_overview_figures_open_their_records(seeded):
    store, _ = seeded
    app = LeadApp(store, 1440)
    screen = make_screen(app, "overview", "")
    screen.build()
    asyncio.run(screen.load())
    tiles = [c for c in walk(screen.body) if isinstance(c, ft.ListTile) and c.on_click]
    assert len(tiles) > 20
    charts = [c for c in walk(screen.body) if type(c).__name__ == "BarChart"]
    assert len(charts) >= 5
    contacts = tiles[0]
    asyncio.run(contacts.on_click(None))
    [dialog] = app.dialogs
    assert dialog.title.value.startswith(t("overview.contacts"))
    assert not app.toasts


def test_handover_screen_hands_over_and_shows_summaries(seeded):
    store, ids = seeded
    app = LeadApp(store, 1440)
    screen = make_screen(app, "handover", "")
    screen.build()
    asyncio.run(screen.load())
    leaving, taker = ids["workers"][0], ids["workers"][1]
    screen.source.set_value([leaving])
    asyncio.run(screen._source_changed())
    assert not screen.run.disabled and len(screen.overrides) == len(screen.plan.households)
    screen.target.set_value([taker])
    asyncio.run(screen._confirm(None))  # the button asks first; nothing moved yet
    [confirm] = app.dialogs
    assert "Sanne" in confirm.content.value and "huishouden" in confirm.content.value
    assert [h for h in rows(store, Household) if h.primary_worker_id == leaving]
    asyncio.run(confirm.actions[1].on_click(None))
    assert not app.toasts[:-1] and app.toasts[-1].startswith("Overgedragen")
    assert not [h for h in rows(store, Household) if h.primary_worker_id == leaving]
    cards = [c for c in screen.result.controls if isinstance(c, ft.Card)]
    assert cards and screen.run.disabled  # nothing left to hand over


def test_reports_screen_hands_the_exports_to_the_save_dialog(seeded, monkeypatch):
    """The PDF and the ZIP of CSVs go to FilePicker.save_file as bytes; none stay behind."""
    from app.ui import reports as reports_ui

    saved: list[tuple[str, bytes]] = []

    class Picker:  # Flet's FilePicker needs a page; this one records what it was given
        async def save_file(self, **kw):  # noqa: ANN003, ANN201
            saved.append((kw["file_name"], kw["src_bytes"]))

    monkeypatch.setattr(reports_ui.ft, "FilePicker", Picker)
    store, _ = seeded
    app = LeadApp(store, 1440)
    screen = make_screen(app, "reports", "")
    screen.build()
    asyncio.run(screen._export(None))
    [(pdf, pdf_bytes), (packed, _zip_bytes)] = saved
    assert pdf.endswith(".pdf") and pdf_bytes.startswith(b"%PDF-") and packed.endswith(".zip")
    assert app.toasts and pdf in screen.where.value
    assert not (store.path.parent / "exports").exists()
