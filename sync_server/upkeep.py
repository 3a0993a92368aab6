"""Keeping the database lawful and lean: erasure (AVG art. 17), retention, scrubbing the
erased bytes, compacting the feed, and backups.

Which rows an erasure takes along is read by ``sync_server.erasure``; this module purges them.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, cast

from sync_server import audit, erasure, push
from sync_server.audit import CLI, Actor
from sync_server.backend import Connection
from sync_server.core import StoreCore
from sync_server.errors import bad_request, not_found
from wijkweb_protocol import KINDS, retention

log = logging.getLogger("wijkweb.server")


def _currents(nodes: Iterable[erasure.Node]) -> list[tuple[str, str, push.Current]]:
    """Live rows found by ``erasure.Graph`` in the form ``ServerStore._purge_rows`` takes."""
    return [(n.kind, n.id, push.Current(n.rid, n.team, "", 0)) for n in nodes]



class Upkeep(StoreCore):
    """Erasure, retention, scrub, compaction and backup."""

    def purge(self, kind: str, row_id: str, actor: Actor = CLI) -> None:
        """Erase a row (AVG art. 17): keep only its id; drop its fields, history and conflicts.

        The feed carries a purge notice to every device of the team; later pushes for the id
        are acknowledged and ignored.
        """
        if kind not in KINDS:
            raise bad_request(f"There is no kind '{kind}'.")
        if kind in push.SERVER_KINDS:
            raise bad_request("Teams and workers are not purged; they are managed on the server.")
        with self._write() as db:
            found = push.find_row(db, kind, row_id)
            if found is None:
                raise not_found(f"There is no {kind} '{row_id}'.")
            self._purge_rows(db, [(kind, row_id, found)], actor)
        self.scrub()

    def _purge_rows(self, db: Connection,
                    rows: Sequence[tuple[str, str, push.Current]], actor: Actor) -> None:
        """Purge ``rows`` (kind, id, current) in the running write transaction, in one commit
        version, and audit each. ``secure_delete`` zeroes the dropped bytes in the file."""
        version = self._next_version(db) if any(not cur.purged for *_, cur in rows) else 0
        now = self.now_iso()
        for kind, row_id, cur in rows:
            if not cur.purged:
                db.execute("UPDATE rows SET fields = '{}', purged = 1, version = ? "
                           "WHERE rid = ?", (version, cur.rid))
            db.execute("DELETE FROM changes WHERE row = ?", (cur.rid,))
            db.execute("DELETE FROM conflicts WHERE row_id = ? AND kind = ?", (row_id, kind))
            audit.record(db, now, actor, "purged", kind, row_id, [cur.team])

    def erase_household(self, household: str, actor: Actor = CLI,
                        teams: Sequence[str] | None = None) -> dict[str, int]:
        """Erasure on request (AVG art. 17): purge the household and every row that goes with
        it (``erasure.Graph.linked``) in one transaction; returns how many rows of each kind.
        With ``teams``, a household of another team is not found."""
        with self._write() as db:
            nodes = erasure.Graph(db).linked(household)
            if not any(n.kind == "household" and (teams is None or n.team in teams)
                       for n in nodes):
                raise not_found("There is no such household (or it was erased already).")
            self._purge_rows(db, _currents(nodes), actor)
        self.scrub()
        return dict(Counter(n.kind for n in nodes))

    def retention_report(self, rules: dict[str, float] | None = None) -> list[dict[str, Any]]:
        """Households past their retention term (``retention.RULES``, years overridden by
        ``rules``): ids, basis, dates and row counts per kind; never a name."""
        with self._read() as db:
            self.backend.begin_read(db)
            found = self._expired(db, rules)
            db.execute("COMMIT")
        return [report for report, _ in found]

    def retention_purge(self, rules: dict[str, float] | None = None,
                        actor: Actor = CLI) -> list[dict[str, Any]]:
        """Erase every household past its term, as ``erase_household`` does, in one
        transaction (what the report said is checked again under the write lock)."""
        with self._write() as db:
            found = self._expired(db, rules)
            nodes = {(n.kind, n.id): n for _, linked in found for n in linked}
            if nodes:
                self._purge_rows(db, _currents(nodes.values()), actor)
        self.scrub()
        return [report for report, _ in found]

    def _expired(self, db: Connection, rules: dict[str, float] | None
                 ) -> list[tuple[dict[str, Any], list[erasure.Node]]]:
        graph = erasure.Graph(db)
        activity = erasure.last_activity(db)
        now = self.now_iso()
        out = []
        for household in graph.households():
            linked = graph.linked(household.id)
            times = [activity[n.rid] for n in linked if n.rid in activity]
            if not times:
                continue
            rule = retention.rule_for(household.values.get("legal_basis"), rules)
            ends = retention.expires(max(times), rule.years)
            if ends <= now:
                out.append(({"household": household.id, "team": household.team,
                             "basis": rule.basis, "last_activity": max(times), "expired": ends,
                             "rows": dict(Counter(n.kind for n in linked))}, linked))
        return out

    def scrub(self) -> bool:
        """After an erasure: leave no old page with erased data behind (SQLite: copy the WAL
        into the file and truncate it; PostgreSQL: vacuum). False if a reader kept it from
        finishing (or the database failed: the erasure itself is committed, and the next
        scrub or PostgreSQL's autovacuum finishes the job)."""
        with self._writer() as db:
            if db is None:
                return False
            try:
                return self.backend.scrub(db)
            except self._failures:
                log.warning("scrub after an erasure did not finish")
                return False

    def compact(self) -> int:
        """Drop purge notices from the feed; cursors from before now must reset. Returns floor."""
        with self._write() as db:
            floor = int(db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()[0])
            db.execute("UPDATE rows SET version = 0 WHERE purged = 1")
            db.execute("UPDATE meta SET value = ? WHERE key = 'floor'", (str(floor),))
        return floor

    def backup(self, dest: str | os.PathLike[str]) -> None:
        """A consistent copy of the live database (safe while the server runs).

        The copy is marked: a server that opens it starts a new feed epoch, so every device
        re-downloads instead of trusting a cursor from the lost future.
        """
        if self.backend.shared:
            raise bad_request("A PostgreSQL database is backed up with PostgreSQL's own tools "
                              "(pg_dump, base backups); see docs/postgres.md.")
        target = Path(dest)
        if target.exists():
            raise bad_request(f"'{target}' exists already; choose a new file name.")
        with self._read() as db:
            out = sqlite3.connect(target)
            try:
                cast(sqlite3.Connection, db).backup(out)  # not shared: a SQLite file
                out.execute("INSERT OR REPLACE INTO meta VALUES ('restored', '1')")
                out.commit()
            finally:
                out.close()
