"""A phone's app lifecycle and its back button, for one session (``LockGate``).

- **To the background** (``hide``/``pause``): the screen writes its draft now (a phone may end
  a backgrounded app without warning) and the lock clock keeps running: time away counts as
  idle, since the last use.
- **Back** (``show``/``resume``): locked at once when the idle time has passed meanwhile;
  otherwise a sync starts, so what others did while the phone was in a pocket is there.
- **The Android back button** pops the root view, which would close the app: it goes back one
  screen instead while there is one to go back to, and never leaves the contact form (its
  draft stays; the form's own Terug button leaves it). Only on a first-level screen does back
  close the app, as Android users expect.

Only phones and desktop windows send these events reliably; in a browser tab ``hide``/``show``
follow the tab's visibility.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import flet as ft

from app.ui.idle import idle_minutes

if TYPE_CHECKING:
    from app.ui.lock import LockGate

AWAY = (ft.AppLifecycleState.HIDE, ft.AppLifecycleState.PAUSE)
BACK = (ft.AppLifecycleState.SHOW, ft.AppLifecycleState.RESUME)
KEEP_OPEN = ("contact",)
"""Routes the back button never leaves: forms whose typing is in progress."""


class PhoneLifecycle:
    def __init__(self, gate: LockGate):
        self.gate = gate
        self.away = False

    def attach(self, page: ft.Page) -> None:
        page.on_app_lifecycle_state_change = self.changed
        if page.views:
            root = page.views[0]
            root.can_pop = False  # the back button asks first (on_confirm_pop)
            root.on_confirm_pop = self.back_button

    async def changed(self, e: Any) -> None:
        await self.state(e.state)

    async def state(self, state: ft.AppLifecycleState) -> None:
        gate, app = self.gate, self.gate.app
        if gate.locked or app is None:
            return
        if state in AWAY and not self.away:
            self.away = True
            screen = app.screen
            if screen is not None and hasattr(screen, "leave"):
                await screen.leave()  # the draft, written now
        elif state in BACK and self.away:
            self.away = False
            minutes = await asyncio.to_thread(idle_minutes, app.store)
            if time.monotonic() - gate.last_use >= minutes * 60:
                await gate.lock()
            elif app.sync is not None:
                app.sync.sync_now()

    async def back_button(self, e: Any) -> None:
        await e.control.confirm_pop(await self.back())

    async def back(self) -> bool:
        """Handle the back button; True when the app may close."""
        gate, app = self.gate, self.gate.app
        if gate.locked or app is None:
            return True
        gate.touch()
        if app.route.partition("/")[0] in KEEP_OPEN:
            return False
        if app.history:
            await app._back()
            return False
        return True
