"""The audit log: who created, changed, pulled, exported, purged, enrolled or revoked what, when.

Append-only (SQLite triggers refuse UPDATE and DELETE; no endpoint writes it except by doing the
action) and ids only — device, worker, row and team ids, never a name or a note — so the log
itself holds no resident data and survives an erasure without undoing it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from sync_server.backend import Connection

ACTIONS = ("created", "changed", "pulled", "exported", "purged", "enrolled", "revoked",
           "reviewed", "code_issued")


class Actor(NamedTuple):
    """Who did it: the device (and its worker) behind a request, or the admin CLI."""

    device: str
    worker: str


CLI = Actor("admin-cli", "")

_INSERT = ("INSERT INTO audit (at, device, worker, action, kind, row_id, team, count) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
_COLUMNS = ("id", "at", "device", "worker", "action", "kind", "row_id", "team", "count")


def record(db: Connection, at: str, actor: Actor, action: str, kind: str,
           row_id: str, teams: Iterable[str], count: int = 1) -> None:
    """One entry per team (an action on a worker's device concerns each of its teams)."""
    db.executemany(_INSERT, [(at, actor.device, actor.worker, action, kind, row_id, team, count)
                             for team in (list(teams) or [""])])


def record_rows(db: Connection, at: str, actor: Actor, action: str,
                rows: Iterable[tuple[str, str, str]]) -> None:
    """One entry per ``(kind, row_id, team)``: a push's created or changed rows."""
    db.executemany(_INSERT, [(at, actor.device, actor.worker, action, kind, row_id, team, 1)
                             for kind, row_id, team in rows])


def read(db: Connection, teams: Sequence[str] | None, after: int,
         limit: int) -> list[dict[str, Any]]:
    """Entries with id > ``after``, oldest first; only ``teams``' entries unless None (all)."""
    sql = f"SELECT {', '.join(_COLUMNS)} FROM audit WHERE id > ?"
    args: list[Any] = [after]
    if teams is not None:
        sql += f" AND team IN ({','.join('?' * len(teams))})"
        args += teams
    rows = db.execute(sql + " ORDER BY id LIMIT ?", [*args, limit]).fetchall()
    return [dict(zip(_COLUMNS, row, strict=True)) for row in rows]
