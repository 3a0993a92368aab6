"""The hybrid logical clock and the stamps it makes.

A stamp is ``"<hlc>@<device>"``: 16 hex digits (48-bit milliseconds, 16-bit counter), fixed
width, so comparing two stamps as text compares ``(hlc, device)``: time first, the device id
breaks ties.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable

from wijkweb_protocol.errors import ProtocolError

MAX_FUTURE_MS = 10 * 60 * 1000
"""A change stamped further ahead of the server's clock than this is refused: ``clock_skew``."""
MAX_COUNTER = 0xFFFF
MAX_MS = (1 << 48) - 1


def encode_hlc(ms: int, counter: int) -> str:
    """Fixed-width text form: 12 hex digits of milliseconds, then 4 of counter."""
    return f"{ms:012x}{counter:04x}"


def decode_hlc(text: str) -> tuple[int, int]:
    if not isinstance(text, str) or not HLC_RE.fullmatch(text):
        raise ProtocolError("bad_stamp", "A clock value must be 16 hexadecimal digits.")
    return int(text[:12], 16), int(text[12:], 16)


def make_stamp(hlc: str, device: str) -> str:
    return f"{hlc}@{device}"


def split_stamp(stamp: str) -> tuple[str, str]:
    """``"<hlc>@<device>"`` → ``(hlc, device)``; raises ``bad_stamp`` on anything else."""
    if not isinstance(stamp, str) or not STAMP_RE.fullmatch(stamp):
        raise ProtocolError("bad_stamp", "A stamp must look like '<16 hex digits>@<device id>'.")
    return stamp[:16], stamp[17:]


def stamp_ms(stamp: str) -> int:
    return int(stamp[:12], 16)


class Clock:
    """Hybrid logical clock: never runs backwards, survives a wall clock that does.

    ``now()`` stamps a local event; ``update(remote)`` ratchets past a clock value seen from
    another device, so the next local stamp is larger than anything this device has seen.
    When the 16-bit counter would overflow, the clock borrows the next millisecond.
    """

    def __init__(self, device: str, last: str | None = None, wall: Callable[[], int] | None = None):
        self.device = device
        self._wall = wall or (lambda: int(time.time() * 1000))
        self._ms, self._counter = decode_hlc(last) if last else (0, 0)
        self._lock = threading.Lock()

    @property
    def last(self) -> str:
        return encode_hlc(self._ms, self._counter)

    def now(self) -> str:
        with self._lock:
            wall = self._wall()
            if wall > self._ms:
                self._ms, self._counter = wall, 0
            else:
                self._tick()
            return self.last

    def update(self, remote: str) -> str:
        """Take in a remote HLC (or stamp); afterwards ``last`` is past both clocks."""
        r_ms, r_counter = decode_hlc(remote[:16])
        with self._lock:
            wall = self._wall()
            if wall > self._ms and wall > r_ms:
                self._ms, self._counter = wall, 0
            elif r_ms > self._ms or (r_ms == self._ms and r_counter > self._counter):
                self._ms, self._counter = r_ms, r_counter
                self._tick()
            else:
                self._tick()
            return self.last

    def reset(self, floor: str) -> None:
        """Forget a clock that ran ahead (a phone set to 2031): restart from ``floor``."""
        with self._lock:
            self._ms, self._counter = decode_hlc(floor[:16])

    def stamp(self) -> str:
        return make_stamp(self.now(), self.device)

    def _tick(self) -> None:
        if self._counter >= MAX_COUNTER:
            self._ms, self._counter = self._ms + 1, 0
        else:
            self._counter += 1
        if self._ms > MAX_MS:
            raise OverflowError("hybrid logical clock passed 48 bits of milliseconds")


HLC_RE = re.compile(r"[0-9a-f]{16}")
STAMP_RE = re.compile(HLC_RE.pattern + r"@[A-Za-z0-9_-]{1,64}")
"""The one stamp pattern: validation (``split_stamp``, the server's push checks) and the
OpenAPI document use it; the device id is cut out with ``split_stamp``, never by position."""
