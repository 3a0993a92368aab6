"""What a team lead reviews: a row's history, the conflicts of concurrent edits, and the
audit log of who did what (ids and counts only).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sync_server import audit, push
from sync_server.audit import CLI, Actor
from sync_server.core import StoreCore
from sync_server.errors import not_found
from wijkweb_protocol import KINDS


class Review(StoreCore):
    """History, conflicts and the audit log."""

    def history(self, teams: Sequence[str], kind: str, row_id: str) -> dict[str, Any]:
        """Every accepted change of a row, oldest first; 404 outside ``teams``."""
        if kind not in KINDS:
            raise not_found("There is no such row.")
        with self._read() as db:
            self.backend.begin_read(db)
            found = push.find_row(db, kind, row_id)
            if found is None or found.team not in teams:
                raise not_found("There is no such row.")
            changes = db.execute("SELECT version, device, received_at, fields FROM changes "
                                 "WHERE row = ? ORDER BY rowid", (found.rid,)).fetchall()
            db.execute("COMMIT")
        return {"kind": kind, "id": row_id, "team": found.team, "purged": bool(found.purged),
                "changes": [{"version": v, "device": d, "at": a, "fields": json.loads(f)}
                            for v, d, a, f in changes]}

    def conflicts(self, teams: Sequence[str] | None = None,
                  include_reviewed: bool = False) -> list[dict[str, Any]]:
        """Concurrent edits of one field, for a team lead to review (None: all teams)."""
        sql = ("SELECT id, kind, row_id, field, winner, loser, team, created_at, reviewed "
               "FROM conflicts WHERE TRUE")
        args: list[Any] = []
        if teams is not None:
            sql += f" AND team IN ({','.join('?' * len(teams))})"
            args += teams
        if not include_reviewed:
            sql += " AND reviewed = 0"
        with self._read() as db:
            rows = db.execute(sql + " ORDER BY id", args).fetchall()
        return [{"id": i, "kind": k, "row_id": r, "field": f, "winner": json.loads(w),
                 "loser": json.loads(lo), "team": t, "at": a, "reviewed": bool(rv)}
                for i, k, r, f, w, lo, t, a, rv in rows]

    def review_conflict(self, conflict: int, teams: Sequence[str] | None = None,
                        actor: Actor = CLI) -> dict[str, Any]:
        """Mark a conflict reviewed; 404 if it is not in ``teams`` (None: any team)."""
        with self._write() as db:
            found = db.execute("SELECT team FROM conflicts WHERE id = ?", (conflict,)).fetchone()
            if found is None or (teams is not None and found[0] not in teams):
                raise not_found("There is no such conflict.")
            db.execute("UPDATE conflicts SET reviewed = 1 WHERE id = ?", (conflict,))
            audit.record(db, self.now_iso(), actor, "reviewed", "conflict", str(conflict),
                         [found[0]])
        return {"id": conflict, "reviewed": True}

    def record_export(self, actor: Actor, what: str, team: str, count: int) -> None:
        """Audit: the app exported ``count`` records of ``team`` as ``what`` (a report)."""
        with self._write() as db:
            audit.record(db, self.now_iso(), actor, "exported", what, "", [team], count)

    def audit_log(self, teams: Sequence[str] | None = None, after: int = 0,
                  limit: int = 1000) -> list[dict[str, Any]]:
        """Audit entries after id ``after``, oldest first; only ``teams``' (None: all)."""
        with self._read() as db:
            return audit.read(db, teams, after, limit)
