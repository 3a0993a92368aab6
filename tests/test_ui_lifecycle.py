"""The phone's lifecycle and back button, decided without a device: what each event does to a
session (draft written, lock clock, lock or sync on return, one screen back per press)."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace

import flet as ft

from app.ui.idle import IDLE_META
from app.ui.lifecycle import PhoneLifecycle


class Screen:
    def __init__(self) -> None:
        self.left = 0

    async def leave(self) -> None:
        self.left += 1


class App:
    def __init__(self, store, route: str = "today", history: list[str] | None = None):
        self.store, self.route, self.history = store, route, history or []
        self.screen = Screen()
        self.synced = 0
        self.sync = SimpleNamespace(sync_now=self._sync)

    def _sync(self) -> None:
        self.synced += 1

    async def _back(self) -> None:
        self.route = self.history.pop()


class Gate:
    def __init__(self, app: App):
        self.app, self.locked, self.last_use, self.locks = app, False, time.monotonic(), 0

    def touch(self) -> None:
        self.last_use = time.monotonic()

    async def lock(self) -> None:
        self.locks += 1
        self.locked = True


def _run(gate: Gate, *states: ft.AppLifecycleState) -> None:
    life = PhoneLifecycle(gate)

    async def go() -> None:
        for state in states:
            await life.state(state)
    asyncio.run(go())


def test_going_away_writes_the_draft_once_and_coming_back_soon_syncs(store) -> None:
    app = App(store, "contact")
    gate = Gate(app)
    _run(gate, ft.AppLifecycleState.INACTIVE, ft.AppLifecycleState.HIDE,
         ft.AppLifecycleState.PAUSE, ft.AppLifecycleState.SHOW, ft.AppLifecycleState.RESUME)
    assert app.screen.left == 1  # written when it went away, not again for "pause"
    assert app.synced == 1 and gate.locks == 0


def test_coming_back_after_the_idle_time_locks_instead(store) -> None:
    store.set_meta(IDLE_META, "1")
    app = App(store)
    gate = Gate(app)
    gate.last_use -= 61  # the lock clock ran on while the phone was in a pocket
    _run(gate, ft.AppLifecycleState.HIDE, ft.AppLifecycleState.SHOW)
    assert gate.locks == 1 and app.synced == 0


def test_the_back_button_goes_back_one_screen_and_never_out_of_the_form(store) -> None:
    app = App(store, "resident/x", ["today", "residents"])
    life = PhoneLifecycle(Gate(app))
    assert asyncio.run(life.back()) is False and app.route == "residents"
    assert asyncio.run(life.back()) is False and app.route == "today"
    assert asyncio.run(life.back()) is True  # a first-level screen: Android closes the app
    form = App(store, "contact", ["today"])
    assert asyncio.run(PhoneLifecycle(Gate(form)).back()) is False and form.route == "contact"


def test_attach_makes_the_root_view_ask_before_it_pops() -> None:
    view = ft.View(route="/")
    page = SimpleNamespace(views=[view], on_app_lifecycle_state_change=None)
    life = PhoneLifecycle(Gate(App(None)))
    life.attach(page)  # type: ignore[arg-type]
    assert view.can_pop is False and view.on_confirm_pop == life.back_button
    assert page.on_app_lifecycle_state_change == life.changed
