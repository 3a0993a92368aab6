"""Background sync for the app: at start, after saves, every few minutes and on demand.

The runner owns one thread; the UI only asks (``nudge``, ``sync_now``) and listens. It never
syncs on the UI's event loop, and a failed round only changes the status it reports. A round
that could not reach the server (offline, busy, restarting) is tried again after 2, 4, 8 …
seconds, capped at a minute, with jitter: when the server or the connection comes back, the
work that waited goes out by itself, not at the next 5-minute round.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app.store import Store
from app.sync import errors
from app.sync.client import SyncClient, SyncResult, enroll
from app.sync.config import DeviceConfig

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
    enrolled: bool
    pending: int
    running: bool
    last_success: datetime | None
    last_error: str | None
    progress: tuple[int, int] | None = None
    last_result: SyncResult | None = None
    refused: int = 0
    """Changes the server refused, set aside on this device until the worker acts."""


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
        self._listeners: list[Callable[[SyncStatus], None]] = []
        self._running = False
        self._progress: tuple[int, int] | None = None
        self._last: SyncResult | None = None
        self._thread: threading.Thread | None = None
        self._delay: threading.Timer | None = None

    # ------------------------------------------------------------------ control

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="wijkweb-sync", daemon=True)
            self._thread.start()

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

    def add_listener(self, callback: Callable[[SyncStatus], None]) -> None:
        self._listeners.append(callback)

    def enroll(self, server: str, code: str) -> DeviceConfig:
        config = enroll(self.store, server, code, self.data_dir)
        self.sync_now()
        return config

    # ------------------------------------------------------------------ state

    def status(self) -> SyncStatus:
        last = self.store.meta("sync.last_success")
        return SyncStatus(
            enrolled=DeviceConfig.exists(self.data_dir),
            pending=self.store.pending_count(),
            running=self._running,
            last_success=datetime.fromisoformat(last) if last else None,
            last_error=self.store.meta("sync.last_error") or None,
            progress=self._progress,
            last_result=self._last,
            refused=self.store.rejected_count(),
        )

    def run_once(self) -> SyncResult | None:
        """One round on the calling thread (the headless ``python -m app sync`` uses it)."""
        config = DeviceConfig.load(self.data_dir, self.store.data_key)
        if config is None:
            self.store.set_meta("sync.last_error", errors.NotEnrolled.code)
            return None
        self._running = True
        self._notify()
        try:
            with self._factory(self.store, config) as client:
                self._last = client.sync()
            self.failures = 0
            return self._last
        except errors.DeviceRevoked:
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
            self._running = False
            self._progress = None
            self._notify()

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

    def _notify(self) -> None:
        status = self.status()
        for callback in list(self._listeners):
            try:
                callback(status)
            except Exception:  # a closed page must not stop syncing
                pass

