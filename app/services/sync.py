"""The app's view of synchronisation: a thin wrapper around ``app.sync.runner.SyncRunner``.

Should the runner fail to start, the app goes on fully offline and this wrapper reports the
local facts (pending changes) itself. Screens only see ``SyncState`` and ``badge``: plain
words, never a stack trace.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.i18n import t
from app.store import Store
from app.sync.runner import SyncRunner

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncState:
    """The fields of the runner's status that the UI shows."""

    pending: int
    last_success: datetime | None = None
    last_error: str | None = None
    running: bool = False
    progress: tuple[int, int] | None = None
    enrolled: bool = False
    available: bool = True
    refused: int = 0
    """Changes the server refused, set aside here (``app.services.refused`` lists them)."""


class Sync:
    """One per process: starts the runner and fans out its news to every session."""

    def __init__(self, store: Store, config_dir: Path, start: bool = True):
        self.store = store
        self.runner: SyncRunner | None = None
        self._listeners: list[Callable[[], None]] = []
        try:
            self.runner = SyncRunner(store, config_dir)
            self.runner.add_listener(self._fan_out)
            if start:
                self.runner.start()
        except Exception:  # a broken sync must never take the notebook down
            log.exception("sync runner failed to start")
            self.runner = None

    def _fan_out(self, *_status: Any) -> None:
        for callback in list(self._listeners):
            try:
                callback()
            except Exception:  # one closed session must not stop the others' news
                log.debug("sync listener failed", exc_info=True)

    @property
    def available(self) -> bool:
        return self.runner is not None

    def state(self) -> SyncState:
        """The current state; reads the store, so call it off the event loop."""
        if self.runner is None:
            return SyncState(pending=self.store.pending_count(), available=False,
                             refused=self.store.rejected_count())
        s = self.runner.status()
        return SyncState(s.pending, s.last_success, s.last_error, s.running, s.progress,
                         s.enrolled, refused=s.refused)

    def nudge(self) -> None:
        """Called after every save: the runner pushes soon if it can."""
        if self.runner is not None:
            self.runner.nudge()

    def sync_now(self) -> None:
        if self.runner is not None:
            self.runner.sync_now()

    def add_listener(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback`` (from the sync thread) after each run; returns an unsubscribe."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback) if callback in self._listeners else None

    def enroll(self, server_url: str, code: str) -> str | None:
        """Enroll this device; returns None on success or the translation key of the error."""
        if not server_url.strip():
            return "error.server_required"
        if not code.strip():
            return "error.code_required"
        if self.runner is None:
            return "sync.error.no_sync_here"
        try:
            self.runner.enroll(server_url.strip(), code.strip())
        except Exception as e:  # SyncError subclasses carry a machine code
            code_ = getattr(e, "code", None)
            return f"sync.error.{code_}" if code_ else "sync.error.server_error"
        self.runner.sync_now()
        return None


def error_text(code: str | None) -> str:
    """A machine error code (``offline``, ``clock_skew`` …) in plain words."""
    if not code:
        return ""
    text = t(f"sync.error.{code}")
    return text if not text.startswith("sync.error.") else t("sync.error.other", code=code)


def last_result(state: SyncState, now: datetime | None = None) -> str:
    """The last result in plain words, for the settings screen."""
    if not state.available:
        return t("sync.not_installed")
    if state.running:
        if state.progress:
            return t("sync.running_progress", done=state.progress[0], total=state.progress[1])
        return t("sync.running")
    if not state.enrolled:
        return t("sync.not_enrolled")
    if state.last_error:
        return error_text(state.last_error)
    if state.last_success:
        return t("sync.ok_at", when=when(state.last_success, now))
    return t("sync.never")


def when(moment: datetime, now: datetime | None = None) -> str:
    """"om 10:42" today, else "op 3-2 om 10:42", in local time."""
    now = (now or datetime.now(UTC)).astimezone()
    local = moment.astimezone()
    clock = local.strftime("%H:%M")
    if local.date() == now.date():
        return t("time.today_at", time=clock)
    return t("time.day_at", day=f"{local.day}-{local.month}", time=clock)


OFFLINE = ("offline", "server_busy", "server_error", "unavailable", "storage_full",
           "storage_readonly")
"""Errors that mean "cannot reach the server now": the work waits, nothing is wrong."""


@dataclass(frozen=True)
class Badge:
    text: str
    tooltip: str
    offline: bool
    pending: int
    refused: int = 0


def badge(state: SyncState, now: datetime | None = None) -> Badge:
    """The small sync badge of the app bar: pending count, refused changes, offline, last sync.

    Refused changes outrank every other news but a running round: while any is set aside the
    badge never says all is well."""
    offline = state.last_error in OFFLINE or not state.available or not state.enrolled
    if state.running:
        text = t("sync.badge.running")
    elif state.refused:
        text = t("sync.badge.refused", n=state.refused)
    elif not state.available or not state.enrolled:
        text = t("sync.badge.local", n=state.pending)
    elif state.last_error in OFFLINE:
        text = t("sync.badge.offline", n=state.pending)
    elif state.last_error:
        text = t("sync.badge.error", n=state.pending)
    elif state.pending:
        text = t("sync.badge.pending", n=state.pending)
    else:
        text = t("sync.badge.ok")
    tooltip = t("sync.badge.tooltip", n=state.pending, result=last_result(state, now))
    if state.refused:
        tooltip = f"{tooltip} {t('sync.refused', n=state.refused)}"
    return Badge(text, tooltip, offline, state.pending, state.refused)
