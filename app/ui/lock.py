"""The app lock of one session: the PIN screen at start and after the idle time, the app behind it.

Locking asks the open screen to keep what was typed (a form keeps its draft in the store), then
takes every control of the app off the page: the browser or device keeps nothing of it.
Unlocking builds the same screen again, with its draft. The data key stays in process memory
while a session is locked, so the background sync can push what was saved; it is gone when
the process ends (docs/device-security.md).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import flet as ft

from app.i18n import t
from app.security import (
    MIN_PIN_LENGTH,
    DamagedFile,
    NotAPin,
    TooSoon,
    Vault,
    WrongPin,
    pin_problem,
)
from app.services import Store, settings
from app.ui import theme
from app.ui.lifecycle import PhoneLifecycle
from app.ui.widgets import ERROR, field, muted, primary_button

if TYPE_CHECKING:
    from app.ui.shell import App

log = logging.getLogger(__name__)

def wait_text(seconds: float) -> str:
    if seconds < 120:
        return t("lock.seconds", n=max(1, round(seconds)))
    return t("lock.minutes", n=round(seconds / 60))


class LockGate:
    """One session's lock. ``make_app`` builds the app once, on the first unlock."""

    def __init__(self, page: ft.Page, vault: Vault, make_app: Callable[[ft.Page, Store], App]):
        self.page, self.vault, self.make_app = page, vault, make_app
        self.app: App | None = None
        self.locked = True
        self.last_use = time.monotonic()
        self._watch: asyncio.Task[None] | None = None
        self._checking = False

    async def start(self) -> None:
        page = self.page
        page.title = "Wijkweb"
        theme.apply(page)
        page.padding = 0
        page.on_keyboard_event = lambda _e: self.touch()
        # kept on self: a service nobody references is unregistered from the page
        self.semantics = ft.SemanticsService()
        PhoneLifecycle(self).attach(page)
        self._show_lock()

    def touch(self) -> None:
        """The worker did something: the idle time starts again."""
        self.last_use = time.monotonic()

    # ------------------------------------------------------------------ locking

    async def lock(self) -> None:
        """Keep the screen's draft, take the app off the page and show the PIN screen."""
        if self.locked or self.app is None:
            return
        page = self.page
        self.locked = True
        page.on_resize = None  # a resize must not build the app again behind the lock
        while page.pop_dialog() is not None:
            pass
        screen = self.app.screen
        if screen is not None and hasattr(screen, "leave"):
            await screen.leave()
        self._show_lock()

    def _show_lock(self) -> None:
        page = self.page
        self.view = LockView(self.vault.is_set_up, self._submit, self._announce)
        page.appbar = page.navigation_bar = page.floating_action_button = None
        page.controls = [self.view]
        page.update()
        self.page.run_task(self.view.show_wait, self.vault.wait())

    def _announce(self, text: str) -> None:
        """Say the lock screen's answer to a screen reader too: it comes after a tap, away
        from where the worker's attention is."""
        self.page.run_task(self.semantics.announce_message, text)

    async def _submit(self, pin: str, again: str | None) -> None:
        """One PIN check at a time per session: Enter and a tap on the button in quick
        succession are one attempt, not two (the second would read a field already cleared)."""
        if self._checking or not self.locked:
            return
        self._checking = True
        try:
            await self._try_pin(pin, again)
        except Exception:  # e.g. a disk error: said plainly, the PIN screen stays
            log.exception("unlock failed")
            self.view.error(t("error.unexpected"))
        finally:
            self._checking = False

    async def _try_pin(self, pin: str, again: str | None) -> None:
        view = self.view
        if again is not None:  # first run: choose the PIN
            problem = pin_problem(pin) or (None if pin == again else "lock.error.mismatch")
            if problem:
                view.error(t(problem, n=MIN_PIN_LENGTH))
                return
            if self.vault.is_set_up:  # another tab chose a PIN meanwhile: enter that one
                self._show_lock()
                return
            store = await view.busy(asyncio.to_thread(self.vault.set_up, pin))
        else:
            try:
                store = await view.busy(asyncio.to_thread(self.vault.unlock, pin))
            except NotAPin:  # the field's text was not all in yet: not a guess, not counted
                view.error(t("lock.error.incomplete", n=MIN_PIN_LENGTH))
                return
            except WrongPin as err:
                view.error(t("lock.error.wrong"))
                await view.show_wait(err.wait, wrong=True)
                return
            except TooSoon as err:
                await view.show_wait(err.seconds)
                return
            except DamagedFile:  # key.json: the PIN cannot help, so do not blame it
                view.error(t("lock.error.key_damaged"))
                return
        await self._unlocked(store)

    async def _unlocked(self, store: Store) -> None:
        page = self.page
        self.locked = False
        self.touch()
        if self.app is None:
            self.app = self.make_app(page, store)
            self.app.gate = self
            page.controls = []
            await self.app.start()
        else:  # the same screen again, built afresh (its draft comes back from the store)
            page.on_resize = self.app._resized
            self.app.screen = None  # it left already, when the lock came
            self.app.layout()
            await self.app.show(self.app.route)
            await self.app.refresh_badge()
        if self._watch is None or self._watch.done():
            self._watch = asyncio.create_task(self._idle_watch(self.app))

    async def _idle_watch(self, app: App) -> None:
        """Lock when the idle time has passed since the last use (checked at least every 5 s)."""
        while not self.locked:
            try:
                minutes = await asyncio.to_thread(settings.idle_minutes, app.store)
            except Exception:  # the store closed with the process: nothing left to guard
                log.debug("idle watch stopped", exc_info=True)
                return
            left = self.last_use + minutes * 60 - time.monotonic()
            if left <= 0:
                try:
                    await self.lock()
                except Exception:  # the session is gone
                    log.debug("lock of a closed session", exc_info=True)
                return
            await asyncio.sleep(min(left, 5.0))


class LockView(ft.Container):
    """The PIN screen: choose a PIN (first run) or enter it; shows wrong PINs and the wait."""

    def __init__(self, set_up: bool, on_submit: Callable[[str, str | None], Any],
                 announce: Callable[[str], None]):
        self.set_up, self.on_submit, self.announce = set_up, on_submit, announce
        kw: dict[str, Any] = {"password": True, "can_reveal_password": True,
              "keyboard_type": ft.KeyboardType.NUMBER, "on_submit": self._submit}
        self.pin = field(t("lock.pin"), **kw)
        self.again = field(t("lock.pin_again"), visible=not set_up, **kw)
        self.message = ft.Text("", color=ERROR, visible=False)
        self.button = primary_button(t("lock.unlock" if set_up else "lock.set_up"),
                                     self._submit, icon=ft.Icons.LOCK_OPEN)
        title = t("lock.title" if set_up else "lock.title_new")
        explain = t("lock.explain" if set_up else "lock.explain_new", n=MIN_PIN_LENGTH)
        super().__init__(
            ft.Column([ft.Icon(ft.Icons.LOCK_OUTLINE, size=48),
                       ft.Text(title, size=22, weight=ft.FontWeight.W_600),
                       muted(explain, size=14), self.pin, self.again, self.message,
                       self.button],
                      spacing=16, tight=True,
                      horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
            padding=24, expand=True, alignment=ft.Alignment.CENTER, width=420)

    async def _submit(self, e: Any) -> None:
        """Read the PIN as the worker's device holds it, then check it.

        A tap on the button can reach the server before the update of the field's last
        keystrokes (the browser hands text input and taps to Flutter on different paths), and
        a PIN read then is short: a correct PIN refused and counted. So first a round trip to
        the device (focusing the button just tapped changes nothing on screen, and the device
        answers it after every update it sent before); and Enter brings the field's own text
        with it (``e.data``), used as is.
        """
        self.message.visible = False
        try:
            await self.button.focus()
        except Exception:  # the session is closing: nothing waits for an answer
            log.debug("no answer to focus", exc_info=True)
        pin, again = self.pin.value or "", self.again.value or ""
        if isinstance(getattr(e, "data", None), str):  # Enter in a field: its own text
            if e.control is self.pin:
                pin = e.data
            elif e.control is self.again:
                again = e.data
        await self.on_submit(pin, again if not self.set_up else None)

    def error(self, text: str) -> None:
        self.message.value, self.message.visible = text, True
        self.pin.value = self.again.value = ""
        self.update()
        self.announce(text)

    async def busy(self, work: Any) -> Any:
        """Disable the button while the PIN is checked (a deliberate quarter of a second)."""
        self.button.disabled = True
        self.update()
        try:
            return await work
        finally:
            self.button.disabled = False
            self.update()

    async def show_wait(self, seconds: float, wrong: bool = False) -> None:
        """Count a back-off down on screen, the button off until it ends."""
        if seconds <= 0:
            return
        end = time.monotonic() + seconds
        self.button.disabled = True
        while (left := end - time.monotonic()) > 0:
            prefix = t("lock.error.wrong") + " " if wrong else ""
            self.message.value = prefix + t("lock.error.wait", wait=wait_text(left))
            self.message.visible = True
            try:
                self.update()
            except Exception:  # the session closed while it waited
                return
            await asyncio.sleep(min(left, 1.0))
        self.button.disabled = False
        self.message.visible = False
        self.update()
