"""Synchronisation as the screens see it: the one runner (``app.sync.runner``), its status in
plain words (``badge``, ``last_result``) and enrollment with its errors as translation keys.

Screens never import ``app.sync``: they hold the process's ``SyncRunner`` (made by
``start``), listen to its ``SyncStatus`` and ask it for rounds; everything else is here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from app.i18n import t
from app.store import Store
from app.sync.config import DeviceConfig
from app.sync.errors import NotEnrolled, SyncError
from app.sync.runner import INTERVAL, SyncRunner, SyncStatus
from app.sync.team import TeamLead

__all__ = ["OFFLINE", "Badge", "NotEnrolled", "SyncError", "SyncRunner", "SyncStatus",
           "TeamLead", "badge", "enroll", "error_text", "interval", "last_result", "own_device",
           "shows_changes", "start", "when"]


INTERVAL_ENV = "WIJKWEB_SYNC_INTERVAL"
"""Seconds between the rounds nobody asks for, if not the runner's 5 minutes (a team lead's
office laptop may want news sooner; the browser tests want it within a second)."""


def interval() -> float:
    """``WIJKWEB_SYNC_INTERVAL`` if it is a positive number of seconds, else 5 minutes."""
    try:
        seconds = float(os.environ.get(INTERVAL_ENV) or INTERVAL)
    except ValueError:
        return INTERVAL
    return seconds if seconds > 0 else INTERVAL


def start(store: Store, data_dir: Path, *, run: bool = True) -> SyncRunner:
    """The process's runner, its thread started (``run``): at start, after saves, every few
    minutes (``WIJKWEB_SYNC_INTERVAL``) and on demand. A thread that cannot start leaves it
    ``available=False``."""
    runner = SyncRunner(store, data_dir, interval())
    if run:
        runner.start()
    return runner


def enroll(runner: SyncRunner, server_url: str, code: str) -> str | None:
    """Enroll this device; returns None on success or the translation key of the error."""
    if not server_url.strip():
        return "error.server_required"
    if not code.strip():
        return "error.code_required"
    if not runner.available:
        return "sync.error.no_sync_here"
    try:
        runner.enroll(server_url.strip(), code.strip())
    except Exception as e:  # a SyncError carries a machine code; anything else is the server's
        code_ = getattr(e, "code", None)
        return f"sync.error.{code_}" if code_ else "sync.error.server_error"
    return None


def own_device(store: Store, data_dir: Path | None) -> str:
    """This device's id on the server ("" when not enrolled); reads a file: call it off the
    event loop."""
    config = DeviceConfig.load(data_dir, store.data_key) if data_dir is not None else None
    return config.device if config else ""


def shows_changes(changed: Mapping[str, frozenset[str]], kinds: frozenset[str]) -> bool:
    """Whether rows a pull ``changed`` (``SyncStatus.changed``) are of ``kinds``, the kinds
    a screen shows: then it loads again."""
    return not changed.keys().isdisjoint(kinds)


def error_text(code: str | None) -> str:
    """A machine error code (``offline``, ``clock_skew`` …) in plain words."""
    if not code:
        return ""
    text = t(f"sync.error.{code}")
    return text if not text.startswith("sync.error.") else t("sync.error.other", code=code)


def last_result(state: SyncStatus, now: datetime | None = None) -> str:
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


def badge(state: SyncStatus, now: datetime | None = None) -> Badge:
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
