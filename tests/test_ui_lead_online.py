"""The team lead's online screens (conflicts, devices) build, load and act against a real
server without a browser; offline and not enrolled they say so kindly instead of failing."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import replace
from types import SimpleNamespace

import flet as ft
import pytest
from sync_fixtures import make_conflict

from app.i18n import set_language, t
from app.ui.routes import make_screen
from tests.test_ui_team_lead import LeadApp, walk


@pytest.fixture(autouse=True)
def dutch():
    set_language("nl")


@pytest.fixture
def scene(fleet):  # noqa: ANN001, ANN201
    team = fleet.harness.team()
    boss = fleet.device([team], role="team_lead")
    a, b, rid = make_conflict(fleet, team)
    boss.sync()
    return boss, a, b, rid


def lead_app(dev, width: int = 1440) -> LeadApp:  # noqa: ANN001
    app = LeadApp(dev.store, width)
    app.sync = SimpleNamespace(data_dir=dev.data_dir)
    return app


def texts(control: ft.Control) -> str:
    return " | ".join(str(c.value) for c in walk(control) if isinstance(c, ft.Text))


def buttons(control: ft.Control, label: str) -> list[ft.Control]:
    return [c for c in walk(control) if getattr(c, "content", None) == label]


@pytest.mark.parametrize("width", [412, 1440])
@pytest.mark.parametrize("route", ["conflicts", "devices"])
def test_not_enrolled_says_so(store, route, width):
    app = LeadApp(store, width)
    screen = make_screen(app, route, "")
    screen.build()
    asyncio.run(screen.load())
    assert screen.status.visible and screen.status.value == t("team.not_enrolled")
    assert not app.toasts


@pytest.mark.parametrize("route", ["conflicts", "devices"])
def test_offline_says_only_with_a_connection(scene, tmp_path, route):
    boss, *_ = scene
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    replace(boss.config, server=f"http://127.0.0.1:{port}").save(boss.data_dir)
    app = lead_app(boss)
    screen = make_screen(app, route, "")
    screen.build()
    asyncio.run(screen.load())
    assert screen.status.value.startswith("Alleen beschikbaar met verbinding.")
    assert t("sync.error.offline") in screen.status.value and screen.list.controls == []


def test_conflicts_screen_shows_both_values_and_restores_the_other(scene):
    boss, a, _, rid = scene
    app = lead_app(boss)
    screen = make_screen(app, "conflicts", "")
    screen.build()
    asyncio.run(screen.load())
    [card] = screen.list.controls
    shown = texts(card)
    assert "Fam. Bakker" in shown and "Esdoornstraat" in shown and "Pleinweg" in shown
    assert "Medewerker 1" in shown and "Medewerker 2" in shown
    assert "Overschreven door" in shown and "amengevoegd" not in shown
    [history] = buttons(card, "Geschiedenis")
    asyncio.run(history.on_click(None))
    [dialog] = app.dialogs
    assert "Lindelaan" in texts(dialog.content) and "Medewerker 1" in texts(dialog.content)
    [row] = screen.rows
    [restore] = buttons(card, "Overschreven waarde terugzetten")
    asyncio.run(restore.on_click(None))
    assert app.toasts == [t("conflicts.restored")]
    assert boss.store.values("household", rid)["street"] == row.other.value
    assert screen.rows == [] and screen.status.value == t("conflicts.none")
    boss.sync()
    a.sync()
    assert a.store.values("household", rid)["street"] == row.other.value


def test_keeping_the_current_value_marks_it_reviewed(scene, fleet):
    boss, *_ = scene
    app = lead_app(boss)
    screen = make_screen(app, "conflicts", "")
    screen.build()
    asyncio.run(screen.load())
    [keep] = buttons(screen.list, "Deze waarde houden")
    asyncio.run(keep.on_click(None))
    assert app.toasts == [t("conflicts.kept_done")] and screen.rows == []
    assert fleet.harness.store.conflicts() == []
    assert boss.store.pending_count() == 0


def test_devices_screen_enrolls_with_a_qr_code_and_revokes(scene, fleet):
    boss, a, _, _ = scene
    app = lead_app(boss, 412)
    screen = make_screen(app, "devices", "")
    screen.build()
    asyncio.run(screen.load())
    names = [w.name for w in screen.workers]
    assert names == ["Medewerker 0", "Medewerker 1", "Medewerker 2"]
    shown = texts(screen.list)
    assert "(dit apparaat)" in shown and "Laatst gesynchroniseerd" in shown
    own_card, a_card = screen.list.controls[0], screen.list.controls[1]
    assert not [b for b in buttons(own_card, "Intrekken") if b.visible]
    [enroll] = buttons(a_card, "Nieuw apparaat koppelen")
    asyncio.run(enroll.on_click(None))
    [dialog] = app.dialogs
    [image] = [c for c in walk(dialog.content) if isinstance(c, ft.Image)]
    assert image.src[:8] == b"\x89PNG\r\n\x1a\n"
    code = next(c.value for c in walk(dialog.content)
                if isinstance(c, ft.Text) and c.value and c.value.count("-") == 2)
    assert len(code) == 14 and code in image.semantics_label
    [revoke] = [b for b in buttons(a_card, "Intrekken") if b.visible]
    asyncio.run(revoke.on_click(None))
    confirm = app.dialogs[-1]
    assert "Medewerker 1" in confirm.content.value
    assert not any(d["revoked"] for d in fleet.harness.store.devices())  # not before confirming
    asyncio.run(confirm.actions[1].on_click(None))
    assert app.toasts and app.toasts[-1].endswith("is ingetrokken.")
    revoked = {d["id"] for d in fleet.harness.store.devices() if d["revoked"]}
    assert revoked == {a.config.device}
    assert "Ingetrokken" in texts(screen.list)
