"""The pull feed: pages of the rows of a device's teams in commit-version order, rendered
row by row as JSON.

Cursors are sealed in ``sync_server.cursor``; the page itself is read here, inside one read
snapshot, and streamed to the answer (``PageWriter``) so that a page is never whole in memory.
"""

from __future__ import annotations

import heapq
import zlib
from collections.abc import Callable, Sequence
from itertools import islice
from operator import itemgetter
from typing import Any, NamedTuple

from sync_server import audit
from sync_server.audit import Actor
from sync_server.core import StoreCore
from sync_server.cursor import decode_cursor, encode_cursor, reset_required

__all__ = ["Feed", "Page", "PageInfo", "PageWriter", "decode_cursor", "encode_cursor",
           "render_row", "reset_required"]


class Page(NamedTuple):
    rows: list[str]
    """Feed rows as JSON texts."""
    cursor: str
    more: bool
    version: int
    """The server's newest commit version when the page was read."""


class PageInfo(NamedTuple):
    """A page that was streamed (``ServerStore.pull_into``): how many rows, and what follows."""

    row_count: int
    cursor: str
    more: bool
    version: int
    """The server's newest commit version when the page was read."""
    per_team: dict[str, int]
    """How many of the rows each team gave (for the audit log)."""



class Feed(StoreCore):
    """Reading the feed: what ``GET /v1/pull`` serves."""

    def pull(self, teams: Sequence[str], cursor: str | None, limit: int) -> Page:
        """The next page of the feed for ``teams``, its rows as JSON texts (see ``pull_into``)."""
        rows: list[str] = []
        info = self.pull_into(teams, cursor, limit, rows.append)
        return Page(rows, info.cursor, info.more, info.version)

    def pull_into(self, teams: Sequence[str], cursor: str | None, limit: int,
                  emit: Callable[[str], Any]) -> PageInfo:
        """Pass the next page of the feed for ``teams`` to ``emit``, row by row (as JSON text).

        A page never splits a commit version. Its bounds come from the versions alone (read from
        the ``(team, version)`` index); then its rows are streamed in version order, so a page
        is never held in memory whole. ``emit`` runs inside the read transaction.
        """
        positions = decode_cursor(cursor, self.cursor_keys, self.timeline,
                                  self._previous_timeline)
        with self._read() as db:
            self.backend.begin_read(db)
            newest, floor = (int(v) for (v,) in db.execute(
                "SELECT value FROM meta WHERE key IN ('version', 'floor') ORDER BY key DESC"))
            if positions and max(positions.values()) > newest:
                raise reset_required("server_restored")
            if any(0 < v < floor for t, v in positions.items() if t in teams):
                raise reset_required("compacted")
            start = {t: positions.get(t, 0) for t in teams}
            heads = [[v for (v,) in db.execute(
                "SELECT version FROM rows WHERE team = ? AND version > ? ORDER BY version LIMIT ?",
                (t, start[t], limit + 1))] for t in teams]
            first = list(islice(heapq.merge(*heads), limit + 1))
            del heads
            if len(first) <= limit:
                last, more = newest, False
            else:  # up to the limit-th row's version, and all of that version (whole commits)
                last = first[limit - 1]
                more = first[limit] > last or any(db.execute(
                    "SELECT 1 FROM rows WHERE team = ? AND version > ? LIMIT 1",
                    (t, max(start[t], last))).fetchone() for t in teams)
            ends = ({t: max(start[t], last) for t in teams} if more
                    else dict.fromkeys(teams, newest))
            count = 0
            per_team: dict[str, int] = {}
            if first:
                streams = [db.execute(
                    "SELECT version, kind, id, team, fields, purged FROM rows "
                    "WHERE team = ? AND version > ? AND version <= ? ORDER BY version",
                    (t, start[t], last)) for t in teams if start[t] < last]
                render = render_row
                for _, k, i, t, f, p in heapq.merge(*streams, key=itemgetter(0)):
                    emit(render(k, i, t, f, p))
                    per_team[t] = per_team.get(t, 0) + 1
                count = sum(per_team.values())
            db.execute("COMMIT")
        return PageInfo(count, encode_cursor(self.cursor_keys, ends), more, newest, per_team)

    def record_pull(self, actor: Actor, per_team: dict[str, int]) -> None:
        """Audit: which device pulled how many rows of which team (before they are sent)."""
        if per_team:
            with self._write() as db:
                now = self.now_iso()
                for team, count in per_team.items():
                    audit.record(db, now, actor, "pulled", "", "", [team], count)


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
