"""The pull feed's cursor and row rendering.

A cursor is opaque to clients: urlsafe base64 of ``{"e": server epoch, "p": {team: version}}``.
Positions are per team so that a device which joins a team later still receives that team's
older rows (from version 0) while its other teams continue where they were.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from typing import Any

from sync_server.errors import ApiError, bad_request

RESET_MESSAGE = "Download everything again: the server cannot continue from this cursor."


def encode_cursor(epoch: str, positions: dict[str, int]) -> str:
    raw = json.dumps({"e": epoch, "p": positions}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, epoch: str, previous_epoch: str = "") -> dict[str, int]:
    """Team positions of ``cursor`` ({} for none); 400 ``bad_cursor``, 410 for another epoch."""
    if not cursor:
        return {}
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data: Any = json.loads(raw)
    except (ValueError, binascii.Error, RecursionError):
        raise bad_request("The cursor is not one this server made.", code="bad_cursor") from None
    positions = data.get("p") if isinstance(data, dict) else None
    if (not isinstance(data, dict) or not isinstance(data.get("e"), str)
            or not isinstance(positions, dict)
            or not all(type(v) is int and v >= 0 for v in positions.values())):
        raise bad_request("The cursor is not one this server made.", code="bad_cursor")
    if data["e"] != epoch:
        restored = previous_epoch and data["e"] == previous_epoch
        raise reset_required("server_restored" if restored else "other_server")
    return positions


def reset_required(reason: str) -> ApiError:
    """410: the client must drop its synced rows and pull from the start (keeping its outbox)."""
    return ApiError(410, "reset_required", RESET_MESSAGE, reason=reason)


def render_row(kind: str, row_id: str, team: str, fields: str, purged: int) -> str:
    """One feed row as JSON text; ``fields`` is spliced in unparsed (kind and ids are ASCII)."""
    if purged:
        return f'{{"kind":"{kind}","id":"{row_id}","team":"{team}","purged":true}}'
    return f'{{"kind":"{kind}","id":"{row_id}","team":"{team}","fields":{fields}}}'


class PageWriter:
    """A pull answer's JSON, written row by row so a page is never whole in memory as text.

    A page of 5000 rows is ~5 MB of JSON; built as a list of rows, joined, concatenated and
    encoded, it cost the handling thread ~25 MB at its peak, and glibc keeps such a peak in the
    thread's malloc arena. Here the rows go out in ``CHUNK``-sized pieces: kept plain while the
    body is at most ``gzip_min`` bytes (or the client does not take gzip), else deflated as they
    come (level 1, as the handler compresses other answers), so only the compressed body stays.
    """

    CHUNK = 64 * 1024

    def __init__(self, gzip: bool, gzip_min: int):
        self._gzip_ok = gzip
        self._gzip_min = gzip_min
        self._pending: list[str] = ['{"rows":[']
        self._pending_len = 0
        self._plain: list[bytes] = []
        self._plain_len = 0
        self._deflate: Any = None
        self._packed: list[bytes] = []
        self.rows = 0

    def row(self, text: str) -> None:
        """Add one rendered feed row."""
        if self.rows:
            self._pending.append(",")
        self._pending.append(text)
        self.rows += 1
        self._pending_len += len(text) + 1
        if self._pending_len >= self.CHUNK:
            self._flush()

    def finish(self, tail: str) -> tuple[list[bytes], bool]:
        """Close the rows list with ``tail`` (``"],..."``): the body's parts and if gzipped."""
        self._pending.append(tail)
        self._flush()
        if self._deflate is None:
            return self._plain, False
        self._packed.append(self._deflate.flush())
        return [b"".join(self._packed)], True

    def _flush(self) -> None:
        data = "".join(self._pending).encode()
        self._pending.clear()
        self._pending_len = 0
        if self._deflate is None:
            self._plain.append(data)
            self._plain_len += len(data)
            if not self._gzip_ok or self._plain_len <= self._gzip_min:
                return
            self._deflate = zlib.compressobj(1, zlib.DEFLATED, 31)  # 31: a gzip stream
            data = b"".join(self._plain)
            self._plain.clear()
        packed = self._deflate.compress(data)
        if packed:
            self._packed.append(packed)
