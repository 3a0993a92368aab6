"""Wrong PINs back off: after ``FREE_TRIES`` the wait doubles from 30 s up to 30 min.

The count lives in a file beside the database (the database is locked when it is needed), so
quitting the app does not reset it. A clock set back cannot stretch a wait beyond its length,
and one set forward only ends it early: a guess still costs a full scrypt. No wipe after N
failures: a child with the phone would destroy unsent work (docs/device-security.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from app.security.files import DamagedFile, read_json, write_json

FREE_TRIES = 3
FIRST_WAIT = 30.0
MAX_WAIT = 30 * 60.0


class TooSoon(RuntimeError):
    """Too many wrong PINs: the next try is allowed after ``seconds``."""

    def __init__(self, seconds: float):
        super().__init__(f"try again in {seconds:.0f} s")
        self.seconds = seconds


def wait_after(failures: int) -> float:
    """Seconds to wait after ``failures`` wrong PINs in a row."""
    if failures <= FREE_TRIES:
        return 0.0
    return min(FIRST_WAIT * 2 ** (failures - FREE_TRIES - 1), MAX_WAIT)


class PinLockout:
    """The persisted count of wrong PINs in a row, and the wait it imposes before the next
    try. (Not a network retry: ``app.sync.client.RequestRetry`` is that.)"""

    def __init__(self, path: Path, now: Callable[[], float] = time.time):
        self.path, self.now = path, now

    def _read(self) -> tuple[int, float]:
        """(wrong PINs in a row, when the last was tried). A damaged file counts as the free
        tries used up with no wait running: the right PIN opens at once (and rewrites it), a
        wrong one waits at once. No better for a guesser than deleting the file."""
        try:
            data = read_json(self.path) or {}
            return int(data.get("failures", 0)), float(data.get("last", 0))
        except (DamagedFile, TypeError, ValueError):
            return FREE_TRIES, 0.0

    @property
    def failures(self) -> int:
        return self._read()[0]

    def remaining(self) -> float:
        """Seconds until the next try is allowed (0: now)."""
        failures, last = self._read()
        wait = wait_after(failures)
        if not wait:
            return 0.0
        left = last + wait - self.now()
        return min(max(left, 0.0), wait)

    def check(self) -> None:
        """Raise ``TooSoon`` while a wait is running."""
        left = self.remaining()
        if left > 0:
            raise TooSoon(left)

    def failed(self) -> float:
        """Count one wrong PIN; returns the wait it starts."""
        failures = self.failures + 1
        write_json(self.path, {"failures": failures, "last": self.now()})
        return wait_after(failures)

    def succeeded(self) -> None:
        if self.path.exists():
            write_json(self.path, {"failures": 0, "last": self.now()})
