"""Background sync for the app: at start, after saves, every few minutes and on demand.

One runner per process, shared by every session. It owns one thread; the app only asks
(``nudge``, ``sync_now``) and listens (``add_listener``: a ``SyncStatus`` after every change of
state, naming the rows a pull changed). It never syncs on the UI's event loop, and a failed
round only changes the status it reports; should its thread not start, the app goes on fully
offline and the status says so (``available``). A round
that could not reach the server (offline, busy, restarting) is tried again after 2, 4, 8 …
seconds, capped at a minute, with jitter: when the server or the connection comes back, the
work that waited goes out by itself, not at the next 5-minute round.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from app.store import Store
from app.sync import errors
from app.sync.client import SyncClient, SyncResult, enroll
from app.sync.config import DeviceConfig
from wijkweb_protocol import KINDS

log = logging.getLogger(__name__)

INTERVAL = 300.0
"""Seconds between rounds when nothing asks for one."""
NUDGE_DELAY = 2.0
"""After a save, wait this long so a burst of saves syncs as one round."""
RETRY_BASE = 2.0
RETRY_CAP = 60.0
"""After a round that could not reach the server: retry in 2, 4, 8 … s, at most a minute."""


def retry_delay(failures: int, rand: Callable[[], float] = random.random,
                floor: float = 0.0) -> float:
    """The wait after ``failures`` (≥ 1) rounds in a row that could not reach the server.

    The step doubles from ``RETRY_BASE`` up to ``RETRY_CAP``; the wait is drawn from its upper
    half ("equal jitter"), so a team whose phones lost the server together does not come back
    in the same second, yet none waits much less than the step. ``floor``: the server's
    Retry-After, if it gave one (never past the cap).
    """
    step = min(RETRY_CAP, RETRY_BASE * 2 ** (max(failures, 1) - 1))
    return max(min(floor, RETRY_CAP), step / 2 + rand() * step / 2)


@dataclass(frozen=True)
class SyncStatus:
    """What the runner reports: read by the badge, the settings screen and the shell."""

    pending: int
    last_success: datetime | None = None
    last_error: str | None = None
    """A machine code (``offline``, ``clock_skew`` …); ``app.services.sync`` puts it in words."""
    running: bool = False
    progress: tuple[int, int] | None = None
    enrolled: bool = False
    available: bool = True
    """False when the sync thread could not start: the app works fully offline."""
    refused: int = 0
    """Changes the server refused, set aside on this device until the worker acts."""
    last_result: SyncResult | None = None
    changed: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Rows the round that just ended changed on this device, ids by kind (``contacts`` …);
    a kind with no ids: rows of it changed that nobody listed (a reset, a lost scope). Empty
    in every other report, and when a round only pushed."""


Listener = Callable[[SyncStatus], None]


class SyncRunner:
    """Runs ``SyncClient`` rounds on its own thread and tells listeners how they went."""

    def __init__(self, store: Store, data_dir: str | Path, interval: float = INTERVAL,
                 client_factory: Callable[[Store, DeviceConfig], SyncClient] | None = None,
                 rand: Callable[[], float] = random.random):
        self.store = store
        self.data_dir = Path(data_dir)
        self.interval = interval
        self.failures = 0
        """Rounds in a row that could not reach the server (0 after a round that did)."""
        self._retry_after = 0.0
        self._rand = rand
        self._factory = client_factory or (lambda s, c: SyncClient(s, c, on_progress=self._prog))
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._listeners: list[Listener] = []
        self.available = True
        self._running = False
        self._progress: tuple[int, int] | None = None
        self._last: SyncResult | None = None
        self._thread: threading.Thread | None = None
        self._delay: threading.Timer | None = None

    # ------------------------------------------------------------------ control

    def start(self) -> None:
        if self._thread is not None:
            return
        thread = threading.Thread(target=self._loop, name="wijkweb-sync", daemon=True)
        try:
            thread.start()
        except Exception:  # a broken sync must never take the notebook down
            log.exception("sync runner failed to start")
            self.available = False
            return
        self._thread = thread

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._delay:
            self._delay.cancel()
        if self._thread:
            self._thread.join(timeout=10)

    def sync_now(self) -> None:
        """Ask for a round now; returns at once."""
        self._wake.set()

    def nudge(self) -> None:
        """Something was saved: sync soon, once, however many saves follow."""
        if self._delay:
            self._delay.cancel()
        self._delay = threading.Timer(NUDGE_DELAY, self._wake.set)
        self._delay.daemon = True
        self._delay.start()

    def add_listener(self, callback: Listener) -> Callable[[], None]:
        """Call ``callback`` (from the sync thread) with each new status; returns the
        unsubscribe (a session that closes calls it)."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback) if callback in self._listeners else None

    def enroll(self, server: str, code: str) -> DeviceConfig:
        config = enroll(self.store, server, code, self.data_dir)
        self.sync_now()
        return config

    # ------------------------------------------------------------------ state

    def status(self) -> SyncStatus:
        last = self.store.meta("sync.last_success")
        return SyncStatus(
            pending=self.store.pending_count(),
            last_success=datetime.fromisoformat(last) if last else None,
            last_error=self.store.meta("sync.last_error") or None,
            running=self._running,
            progress=self._progress,
            enrolled=DeviceConfig.exists(self.data_dir),
            available=self.available,
            refused=self.store.rejected_count(),
            last_result=self._last,
        )

    def run_once(self) -> SyncResult | None:
        """One round on the calling thread (the headless ``python -m app sync`` uses it)."""
        config = DeviceConfig.load(self.data_dir, self.store.data_key)
        if config is None:
            self.store.set_meta("sync.last_error", errors.NotEnrolled.code)
            return None
        self._running = True
        self._notify()
        client: SyncClient | None = None
        changed: Mapping[str, frozenset[str]] = {}
        try:
            with self._factory(self.store, config) as client:
                self._last = client.sync()
            self.failures = 0
            return self._last
        except errors.DeviceRevoked:
            changed = dict.fromkeys(KINDS, frozenset())
            self.store.wipe()  # a revoked (lost) device keeps no resident data
            DeviceConfig.remove(self.data_dir)
            self.store.set_meta("sync.last_error", errors.DeviceRevoked.code)
            return None
        except errors.SyncError as err:  # the client recorded the error code
            if err.retryable:  # the server or the connection is away: back soon
                self.failures += 1
                self._retry_after = float(err.detail.get("retry_after", 0.0))
            else:  # tried again at the next round, or when the worker asks
                self.failures = 0
            return None
        finally:
            if client is not None and not changed:  # a round cut off half-way pulled some
                changed = {kind: frozenset(ids) for kind, ids in client.changed.items()}
            self._running = False
            self._progress = None
            self._notify(changed)

    def next_wait(self) -> float:
        """Seconds until the next round nobody asks for: a retry soon after a round that could
        not reach the server, else the interval."""
        if not self.failures:
            return self.interval
        return min(self.interval, retry_delay(self.failures, self._rand, self._retry_after))

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._wake.wait(self.next_wait())
            self._wake.clear()

    def _prog(self, done: int, total: int) -> None:
        self._progress = (done, total)
        self._notify()

    def _notify(self, changed: Mapping[str, frozenset[str]] | None = None) -> None:
        status = self.status()
        if changed:
            status = replace(status, changed=changed)
        for callback in list(self._listeners):
            try:
                callback(status)
            except Exception:  # one closed session must not stop syncing nor the others' news
                log.debug("sync listener failed", exc_info=True)

