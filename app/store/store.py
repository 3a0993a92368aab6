"""The local database: every write of the app goes through ``Store``.

One write is one SQLite transaction that writes the row, stamps each changed field with the
hybrid logical clock, and appends the change to the outbox; a crash can leave either all of it or
none of it. ``apply_remote`` merges rows from the server's feed with the same rule the server uses
(``wijkweb_protocol``), so a pulled older value never overwrites a newer local edit.

A list field (dreams, themes, …) is an add-wins set: its column holds the list as shown, the
row's ``sets`` column its items map, and a write sends only what it adds and removes.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import create_engine, event
from sqlmodel import Session

from app.domain.models import defaults, required
from app.store import cipher, fold, migrations
from app.store.convert import columns, db_converters, db_to_wire, to_wire, wire_to_db
from app.store.queries import Queries
from wijkweb_protocol import (
    DELETED,
    KINDS,
    LIST,
    Change,
    Clock,
    Items,
    add_items,
    is_uuid,
    merge_items,
    new_id,
    present,
    remove_items,
    split_stamp,
    wins,
)

DB_NAME = "wijkweb.sqlite"
_CHUNK = 500  # ids per "IN (...)" query, below SQLite's variable limit


def default_data_dir() -> Path:
    """Where the app keeps its data: the device's app storage, else the platform's user-data dir."""
    on_device = os.environ.get("FLET_APP_STORAGE_DATA")
    return Path(on_device) if on_device else Path(platformdirs.user_data_dir("wijkweb", "Wijkweb"))


class NotFound(KeyError):
    """The row does not exist (or was deleted) in the local store."""


class Store(Queries):
    """The local store of one device. Thread-safe: writes are serialised by one lock."""

    before_purge: Callable[[Store], Any] | None = None
    """Runs before a page with erasures is applied: the team lead's device keeps its
    quarterly aggregates of what is about to go (``app.services.quarterly``)."""

    def __init__(self, path: str | Path, key: bytes | None = None):
        """Open (or create) the database at ``path``; encrypted with SQLCipher under ``key``.

        The app always passes the data key (``app.security.Vault``); only tests and benches
        that measure the store itself open a plain file.
        """
        self.path = Path(path)
        self.data_key = key
        """What seals this device's secrets beside the database (``app.sync.config``)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if key is not None and cipher.is_plain(self.path):
            raise cipher.WrongKey("an unencrypted database: unlock through app.security first")
        connect = functools.partial(cipher.connect, key=key) if key is not None else sqlite3.connect
        self._db = connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        self._db.row_factory = cipher.dbapi.Row if key is not None else sqlite3.Row
        _configure(self._db)
        if migrations.apply(self._db)[:1] not in ([], [1]):
            # An upgrade: the older app skipped kinds (and fields) it did not know yet, and its
            # cursor moved on past them. Pull everything again once; merging is idempotent.
            self._db.execute("DELETE FROM meta WHERE key = 'cursor'")
        self._lock = threading.RLock()
        self._tx: int | None = None
        self.device = self._meta_default("device", lambda: secrets.token_hex(8))
        self._meta_default("epoch", lambda: secrets.token_hex(8))
        self.clock = Clock(self.device, self.meta("clock"))
        if key is None:
            self.engine = create_engine(f"sqlite:///{self.path}")
        else:  # same URL (a file, so a real pool), connections made by SQLCipher with the key
            self.engine = create_engine(f"sqlite:///{self.path}", module=cipher.dbapi,
                                        creator=lambda: cipher.connect(
                                            self.path, key, check_same_thread=False))
        event.listen(self.engine, "connect", lambda conn, _rec: _configure(conn))

    @classmethod
    def open_default(cls, data_dir: str | Path | None = None, key: bytes | None = None) -> Store:
        return cls(Path(data_dir or default_data_dir()) / DB_NAME, key)

    @property
    def schema_version(self) -> int:
        """The local schema's version (migrations applied); sent to the server on sync."""
        return migrations.current_version(self._db)

    def close(self) -> None:
        self.engine.dispose()
        self._db.close()

    def session(self) -> Session:
        """A SQLModel session for typed reads; never write through it."""
        return Session(self.engine)

    # ------------------------------------------------------------------ transactions

    @contextmanager
    def transaction(self, durable: bool = True) -> Iterator[int]:
        """Group writes: they commit together and push as one unit. Yields the local tx number.

        ``durable=False`` skips the fsync at commit, for what can be fetched again (a pulled
        page): an app crash still loses nothing, a power cut at worst a page to pull again.
        """
        with self._lock:
            if self._tx is not None:
                yield self._tx
                return
            if not durable:
                self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._tx = int(self.meta("next_tx") or 1)
                self._set_meta("next_tx", str(self._tx + 1))
                yield self._tx
                self._set_meta("clock", self.clock.last)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            finally:
                self._tx = None
                if not durable:
                    self._db.execute("PRAGMA synchronous = FULL")

    # ------------------------------------------------------------------ writes

    def create(self, kind: str, team: str, values: Mapping[str, Any], id: str | None = None) -> str:
        """Create a row of ``kind`` in ``team``; returns its new UUID."""
        row_id = id or new_id()
        if not is_uuid(team) or not is_uuid(row_id):
            raise ValueError("team and id must be UUIDs")
        missing = required(kind) - {n for n, v in values.items() if v is not None}
        if missing:
            raise ValueError(f"a new {kind} needs {sorted(missing)}")
        wire = self._wire_values(kind, {**defaults(kind), **values})
        with self.transaction() as tx:
            if self._row(kind, row_id) is not None:
                raise ValueError(f"{kind} {row_id} exists already")
            sets = {name: self._list_delta(None, add=value or ())
                    for name, value in wire.items() if name in _lists(kind)}
            stamp = self.clock.stamp()
            wire[DELETED] = False
            regs = {name: [sets.get(name, value), stamp, None] for name, value in wire.items()}
            wire.update({name: present(items) for name, items in sets.items()})
            self._insert(kind, row_id, team, wire, {name: stamp for name in wire}, sets)
            self._append_outbox(tx, kind, row_id, team, regs)
        return row_id

    def update(self, kind: str, row_id: str, values: Mapping[str, Any]) -> bool:
        """Change fields of a row; only fields whose value changes are stamped. True if any did.

        A list field's new value is the list the user now sees: what it lacks of the shown list
        is removed, what it adds is added (``add_to_list``/``remove_from_list`` say so directly).
        """
        wire = self._wire_values(kind, values)
        with self.transaction() as tx:
            row = self._live_row(kind, row_id)
            items = json.loads(row["sets"])
            deltas = {}
            for name in _lists(kind) & set(wire):
                shown, wanted = present(items.get(name)), wire.pop(name) or []
                deltas[name] = self._list_delta(
                    items.get(name), add=[x for x in wanted if x not in shown],
                    remove=[x for x in shown if x not in wanted])
            changed = {n: v for n, v in wire.items() if wire_to_db(kind, n, v) != row[n]}
            return self._stamp_and_log(tx, kind, row_id, row, changed, deltas)

    def add_to_list(self, kind: str, row_id: str, name: str, items: Iterable[str]) -> bool:
        """Add ``items`` to list field ``name`` (those it does not show yet). True if any was."""
        return self._edit_list(kind, row_id, name, add=self._wire_list(kind, name, items))

    def remove_from_list(self, kind: str, row_id: str, name: str, items: Iterable[str]) -> bool:
        """Remove ``items`` from list field ``name``: the adds of them this device has seen."""
        return self._edit_list(kind, row_id, name, remove=self._wire_list(kind, name, items))

    def _wire_list(self, kind: str, name: str, items: Iterable[str]) -> list[str]:
        if name not in _lists(kind):
            raise ValueError(f"{kind}.{name} is not a list field")
        return self._wire_values(kind, {name: list(items)})[name]

    def _edit_list(self, kind: str, row_id: str, name: str, add: Iterable[str] = (),
                   remove: Iterable[str] = ()) -> bool:
        with self.transaction() as tx:
            row = self._live_row(kind, row_id)
            delta = self._list_delta(json.loads(row["sets"]).get(name), add, remove)
            return self._stamp_and_log(tx, kind, row_id, row, {}, {name: delta})

    def _list_delta(self, items: Items | None, add: Iterable[str] = (),
                    remove: Iterable[str] = ()) -> Items:
        """What a write sends for a list field. Each added item gets a stamp of its own, drawn
        before the write's stamp, so items added together keep the order they were given in."""
        delta = remove_items(items, remove)
        for item in add:
            delta.update(add_items(items, [item], self.clock.stamp()))
        return delta

    def delete(self, kind: str, row_id: str) -> None:
        with self.transaction() as tx:
            row = self._live_row(kind, row_id)
            self._stamp_and_log(tx, kind, row_id, row, {DELETED: True})

    def _stamp_and_log(self, tx: int, kind: str, row_id: str, row: sqlite3.Row,
                       changed: dict[str, Any], deltas: Mapping[str, Items] | None = None,
                       resend: bool = False) -> bool:
        """Write ``changed`` plain fields and the non-empty list ``deltas``; False if neither.

        A write of a record with refused changes (or ``resend``) sends their fields again: plain
        fields as they stand now, list fields with the adds and removes that were refused."""
        deltas = {name: delta for name, delta in (deltas or {}).items() if delta}
        if not (changed or deltas or resend):
            return False
        refused, refused_deltas = self._take_refused(kind, row_id)
        if refused:
            cols, lists = set(columns(kind)), _lists(kind)
            changed = {n: bool(row["deleted"]) if n == DELETED else db_to_wire(kind, n, row[n])
                       for n in refused
                       if n == DELETED or (n in cols and n not in lists)} | changed
            for name, delta in refused_deltas.items():
                deltas[name] = merge_items(delta, deltas.get(name)) or {}
            deltas = {name: delta for name, delta in deltas.items() if delta}
        if not changed and not deltas:
            return False
        stamps = json.loads(row["stamps"])
        stamp = self.clock.stamp()
        regs = {name: [value, stamp, stamps.get(name)] for name, value in changed.items()}
        items = json.loads(row["sets"])
        for name, delta in deltas.items():
            regs[name] = [delta, stamp, stamps.get(name)]
            items[name] = merge_items(items.get(name), delta)
            changed[name] = present(items[name])
        stamps.update({name: stamp for name in changed})
        assignments = ", ".join(f"{_col(n)} = ?" for n in changed)
        params = [wire_to_db(kind, n, v) for n, v in changed.items()]
        self._db.execute(f"UPDATE {kind} SET {assignments}, stamps = ?, sets = ? WHERE id = ?",
                         [*params, _stamps_json(stamps), _stamps_json(items), row_id])
        self._reindex(kind, [row_id])
        self._append_outbox(tx, kind, row_id, row["team"], regs)
        return True

    def _append_outbox(self, tx: int, kind: str, row_id: str, team: str,
                       regs: dict[str, list[Any]]) -> None:
        self._db.execute("INSERT INTO outbox (tx, kind, id, team, fields) VALUES (?, ?, ?, ?, ?)",
                         (tx, kind, row_id, team, json.dumps(regs, ensure_ascii=False)))

    def _insert(self, kind: str, row_id: str, team: str, wire: Mapping[str, Any],
                stamps: Mapping[str, str], sets: Mapping[str, Items]) -> None:
        cols = columns(kind)
        values = [wire_to_db(kind, c, wire.get(c)) for c in cols]
        self._db.execute(
            f"INSERT INTO {kind} (id, team, deleted, stamps, sets, {', '.join(map(_col, cols))}) "
            f"VALUES (?, ?, ?, ?, ?{', ?' * len(cols)})",
            [row_id, team, int(bool(wire.get(DELETED))), _stamps_json(stamps),
             _stamps_json(sets), *values])
        self._reindex(kind, [row_id])

    def _reindex(self, kind: str, ids: list[str]) -> None:
        """Keep the local indexes in step with rows: timelines by resident, resident search."""
        sql = _REINDEX.get(kind)
        if not sql:
            return
        for i in range(0, len(ids), _CHUNK):
            part = ids[i:i + _CHUNK]
            marks = ",".join("?" * len(part))
            for statement in sql:
                self._db.execute(statement.format(ids=marks), part)

    def _wire_values(self, kind: str, values: Mapping[str, Any]) -> dict[str, Any]:
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        unknown = set(values) - set(KINDS[kind])
        if unknown:
            raise ValueError(f"{kind} has no field(s) {sorted(unknown)}")
        return {name: to_wire(kind, name, value) for name, value in values.items()}

    def _row(self, kind: str, row_id: str) -> sqlite3.Row | None:
        return self._db.execute(f"SELECT * FROM {kind} WHERE id = ?", (row_id,)).fetchone()

    def _live_row(self, kind: str, row_id: str) -> sqlite3.Row:
        row = self._row(kind, row_id)
        if row is None or row["deleted"]:
            raise NotFound(f"{kind} {row_id}")
        return row

    def values(self, kind: str, row_id: str) -> dict[str, Any] | None:
        """A row's fields in wire form (``_deleted`` included), or None if it is not here."""
        row = self._row(kind, row_id)
        if row is None:
            return None
        out = {c: db_to_wire(kind, c, row[c]) for c in columns(kind)}
        out[DELETED] = bool(row["deleted"])
        return out

    # ------------------------------------------------------------------ sync side

    def outbox(self, limit: int = 500) -> list[Change]:
        """The oldest unsent changes, at most ``limit``.

        A batch ends at a local transaction's edge, so the server applies each transaction
        whole; only a transaction larger than ``limit`` on its own is sent in parts.
        """
        base, rows = self._outbox_rows(limit)
        return [Change(r["kind"], r["id"], r["team"], json.loads(r["fields"]),
                       r["seq"] - base, r["tx"]) for r in rows]

    def outbox_wire(self, limit: int = 500) -> tuple[list[tuple[int, int]], str]:
        """The batch ``outbox`` would give, as ``(seq, tx)`` pairs and the JSON array of the
        changes, spliced from the stored text: pushing never re-parses what it stored."""
        base, rows = self._outbox_rows(limit)
        heads = [(r["seq"] - base, r["tx"]) for r in rows]
        parts = [f'{{"seq":{r["seq"] - base},"tx":{r["tx"]},"kind":"{r["kind"]}",'
                 f'"id":"{r["id"]}","team":"{r["team"]}","fields":{r["fields"]}}}' for r in rows]
        return heads, f"[{','.join(parts)}]"

    def _outbox_rows(self, limit: int) -> tuple[int, list[sqlite3.Row]]:
        base = int(self.meta("seq_base") or 0)
        rows = self._db.execute("SELECT * FROM outbox ORDER BY seq LIMIT ?",
                                (limit + 1,)).fetchall()
        if len(rows) > limit:
            last_tx = rows[limit - 1]["tx"]
            rows = rows[:limit]
            if rows[0]["tx"] != last_tx and rows[-1]["tx"] == last_tx and (
                    self._db.execute("SELECT 1 FROM outbox WHERE tx = ? AND seq > ?",
                                     (last_tx, rows[-1]["seq"])).fetchone()):
                rows = [r for r in rows if r["tx"] != last_tx]
        return base, rows

    def pending_count(self) -> int:
        return self._db.execute("SELECT count(*) FROM outbox").fetchone()[0]

    def ack(self, through: int, rejected: Iterable[Mapping[str, Any]] = (),
            purged: Iterable[Mapping[str, Any]] = ()) -> None:
        """The server holds every change up to push seq ``through``: drop them from the outbox.

        ``purged`` rows (``{"kind", "id"}``) were erased on the server, which ignored the
        changes to them: they leave this device too (the feed's notice of the erasure may
        have been compacted away while this device was offline).

        Rejected changes are kept in ``rejected`` (shown to the user) in the same transaction,
        so a change is never in neither place. A plain ack is not synced to disk: lost to a
        power cut, it only means the server is sent those changes again and skips them. One
        that sets changes aside is, since the server would not name them rejected twice.
        """
        rejected, purged = list(rejected), list(purged)
        with self.transaction(durable=bool(rejected or purged)):
            base = int(self.meta("seq_base") or 0)
            now = datetime.now(UTC).isoformat(timespec="seconds")
            for item in rejected:
                row = self._db.execute("SELECT * FROM outbox WHERE seq = ?",
                                       (base + int(item["seq"]),)).fetchone()
                if row is not None:
                    self._keep_rejected(row, str(item["code"]), str(item.get("message", "")), now)
            self._db.execute("DELETE FROM outbox WHERE seq <= ?", (base + through,))
            for item in purged:
                if item.get("kind") in KINDS:
                    self._purge(str(item["kind"]), [str(item["id"])])

    def reject_tx(self, tx: int, code: str, message: str, field: str | None = None) -> None:
        """Set aside a local transaction the server cannot take, keeping it for the user;
        ``field`` is the one the server named, if it named one."""
        with self.transaction():
            now = datetime.now(UTC).isoformat(timespec="seconds")
            rows = self._db.execute("SELECT * FROM outbox WHERE tx = ?", (tx,)).fetchall()
            for row in rows:
                self._keep_rejected(row, code, message, now, field)
            self._db.execute("DELETE FROM outbox WHERE tx = ?", (tx,))

    def _keep_rejected(self, row: sqlite3.Row, code: str, message: str, now: str,
                       field: str | None = None) -> None:
        change = {"team": row["team"], "fields": json.loads(row["fields"]), "message": message}
        if field:
            change["field"] = field
        self._db.execute("INSERT INTO rejected (kind, id, code, change, at) VALUES (?, ?, ?, ?, ?)",
                         (row["kind"], row["id"], code, json.dumps(change), now))

    def rejected(self) -> list[dict[str, Any]]:
        rows = self._db.execute("SELECT * FROM rejected ORDER BY seq").fetchall()
        return [dict(r) | {"change": json.loads(r["change"])} for r in rows]

    def rejected_count(self) -> int:
        """Changes the server refused that are set aside here, waiting for the worker."""
        return self._db.execute("SELECT count(*) FROM rejected").fetchone()[0]

    def _take_refused(self, kind: str, row_id: str) -> tuple[set[str], dict[str, Items]]:
        """The fields of ``row_id``'s refused changes, and the list-field deltas among them; they
        leave the set-aside list: the edit in the running transaction sends them again."""
        found = self._db.execute("SELECT change FROM rejected WHERE kind = ? AND id = ?",
                                 (kind, row_id)).fetchall()
        if not found:
            return set(), {}
        self._db.execute("DELETE FROM rejected WHERE kind = ? AND id = ?", (kind, row_id))
        names: set[str] = set()
        deltas: dict[str, Items] = {}
        for r in found:
            for name, reg in json.loads(r["change"])["fields"].items():
                names.add(name)
                if isinstance(reg[0], dict):  # a list field's refused adds and removes
                    deltas[name] = merge_items(deltas.get(name), reg[0]) or {}
        return names, deltas

    def resend_rejected(self, seq: int) -> bool:
        """Queue a refused change again as the record stands now (with every other refused
        change of that record), e.g. once the change it was refused with is discarded; False
        if it is gone already or the record is no longer here."""
        with self.transaction() as tx:
            found = self._db.execute("SELECT kind, id FROM rejected WHERE seq = ?",
                                     (seq,)).fetchone()
            row = self._row(found["kind"], found["id"]) if found else None
            if row is None:
                return False
            self._stamp_and_log(tx, found["kind"], found["id"], row, {}, resend=True)
            return True

    def discard_rejected(self, seq: int) -> bool:
        """The worker gives a refused change up; False if it is gone already.

        What the server never took leaves this device too: a record the change created is
        removed; after a refused edit the record is fetched from the server again (the cursor
        is forgotten, so the next sync pulls the feed afresh and this row comes back as the
        server holds it; rows with unsent changes stay as they are).
        """
        with self.transaction():
            row = self._db.execute("SELECT kind, id, change FROM rejected WHERE seq = ?",
                                   (seq,)).fetchone()
            if row is None:
                return False
            self._db.execute("DELETE FROM rejected WHERE seq = ?", (seq,))
            kind, row_id = row["kind"], row["id"]
            still = self._db.execute("SELECT 1 FROM rejected WHERE kind = ? AND id = ? UNION "
                                     "SELECT 1 FROM outbox WHERE kind = ? AND id = ?",
                                     (kind, row_id, kind, row_id)).fetchone()
            if still is None:  # nothing else of this row waits: back to the server's copy
                self._purge(kind, [row_id])
                if not created(json.loads(row["change"])["fields"]):
                    self._db.execute("DELETE FROM meta WHERE key = 'cursor'")
            return True

    @property
    def push_epoch(self) -> str | None:
        """This device's push epoch: the series its outbox seqs are numbered in (meta key
        ``epoch``, the push body's ``epoch``). Not the server's feed timeline, which lives
        inside the opaque pull cursor."""
        return self.meta("epoch")

    def start_push_epoch(self) -> str:
        """Number the outbox afresh under a new push epoch (the server saw this device's seqs
        differ)."""
        with self.transaction():
            first = self._db.execute("SELECT min(seq) FROM outbox").fetchone()[0]
            last = self._db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'"
                                    ).fetchone()
            base = (first - 1) if first is not None else (last[0] if last else 0)
            epoch = secrets.token_hex(8)
            self._set_meta("epoch", epoch)
            self._set_meta("seq_base", str(base))
            return epoch

    def restamp_outbox(self, floor: str) -> int:
        """Re-stamp unsent changes after a clock that ran ahead was refused by the server.

        The clock restarts from ``floor`` (the server's clock); each unsent field gets a fresh
        stamp, and the row's own stamp follows where it was that unsent write. So do the HLCs of
        this device's unsent adds of list items, in the change and in the row's items map.
        """
        with self.transaction():
            self.clock.reset(floor)
            rows = self._db.execute("SELECT * FROM outbox ORDER BY seq").fetchall()
            renamed: dict[str, str] = {}  # an unsent add's HLC → its fresh one
            for r in rows:
                regs = json.loads(r["fields"])
                row = self._row(r["kind"], r["id"])
                stamps = json.loads(row["stamps"]) if row else {}
                items = json.loads(row["sets"]) if row else {}
                fresh = self.clock.stamp()
                for name, reg in regs.items():
                    if stamps.get(name) == reg[1]:
                        stamps[name] = fresh
                    reg[1] = fresh
                    if isinstance(reg[0], dict):
                        _rename_own(reg[0], self.device, renamed, fresh[:16])
                        _rename_own(items.get(name) or {}, self.device, renamed)
                self._db.execute("UPDATE outbox SET fields = ? WHERE seq = ?",
                                 (json.dumps(regs, ensure_ascii=False), r["seq"]))
                if row:
                    self._db.execute(f"UPDATE {r['kind']} SET stamps = ?, sets = ? WHERE id = ?",
                                     (_stamps_json(stamps), _stamps_json(items), r["id"]))
            return len(rows)

    def apply_remote(self, rows: list[Mapping[str, Any]], cursor: str | None = None,
                     teams: Iterable[str] | None = None,
                     into: dict[str, set[str]] | None = None) -> int:
        """Merge a page of the server's feed, and store its cursor, in one transaction.

        ``rows`` are ``{"kind", "id", "team", "fields"}`` or ``{"kind", "id", "purged": true}``.
        With ``teams``, rows of any other team are dropped: the device lost that scope.
        Returns how many rows changed locally; ``into`` (kind → ids) collects which (the
        dropped ones too), so that the screens showing them can load again.
        """
        if self.before_purge is not None and any(row.get("purged") for row in rows):
            self.before_purge(self)
        changed = 0
        with self.transaction(durable=False):
            by_kind: dict[str, list[Mapping[str, Any]]] = {}
            for row in rows:
                by_kind.setdefault(row["kind"], []).append(row)
            for kind, batch in by_kind.items():
                ids = self._apply_kind(kind, batch)
                changed += len(ids)
                if ids and into is not None:
                    into.setdefault(kind, set()).update(ids)
            if teams is not None:
                held = set(teams)  # once: ``teams`` may be an iterator
                known = ",".join(sorted(held))
                if known != self.meta("teams"):
                    # scans every table: only when teams change
                    dropped = self._drop_other_teams(held)
                    self._set_meta("teams", known)
                    for kind, gone in dropped.items():
                        if into is not None:
                            into.setdefault(kind, set()).update(gone)
            if cursor is not None:
                self._set_meta("cursor", cursor)
        if any(row.get("purged") for row in rows):
            self._scrub()
        return changed

    def _apply_kind(self, kind: str, batch: list[Mapping[str, Any]]) -> list[str]:
        """Merge one kind's rows; returns the ids that changed here (written or purged)."""
        if kind not in KINDS:
            return []  # a kind from a newer server: skipped until the app is updated
        cols, conv = columns(kind), db_converters(kind)
        local = self._rows_by_id(kind, [r["id"] for r in batch])
        lists = _lists(kind)
        state: dict[str, list[Any]] = {}  # id → [team, deleted, stamps, column values, sets]
        changed: set[str] = set()
        purged: list[str] = []
        newest = ""
        for remote in batch:
            row_id = remote["id"]
            if remote.get("purged"):
                purged.append(row_id)
                continue
            st = state.get(row_id)
            if st is None:
                mine = local.get(row_id)
                st = state[row_id] = (
                    [mine["team"], bool(mine["deleted"]), json.loads(mine["stamps"]),
                     {c: mine[c] for c in cols}, json.loads(mine["sets"])] if mine is not None
                    else [remote["team"], False, {}, dict.fromkeys(cols), {}])
            stamps, values = st[2], st[3]
            for name, reg in remote["fields"].items():
                stamp = reg[1]
                if stamp > newest:
                    newest = stamp
                have = stamps.get(name)
                if name in lists:
                    merged = merge_items(st[4].get(name), _as_items(reg[0]))
                    if merged != st[4].get(name):
                        st[4][name] = merged
                        to_db = conv[name]
                        assert to_db is not None  # a list field is stored as JSON text
                        values[name] = to_db(present(merged))
                        changed.add(row_id)
                    if have is None or stamp > have:
                        stamps[name] = stamp
                        changed.add(row_id)
                    continue
                if have is not None and (stamp < have or (stamp == have and not wins(
                        reg, self._register(kind, name, have, values, st[1])))):
                    continue
                if name == DELETED:
                    st[1] = bool(reg[0])
                elif name in conv:
                    fn, value = conv[name], reg[0]
                    values[name] = fn(value) if fn is not None and value is not None else value
                else:
                    continue  # a field from a newer server
                stamps[name] = stamp
                changed.add(row_id)
        puts = [[row_id, st[0], int(st[1]), _stamps_json(st[2]), _stamps_json(st[4]),
                 *(st[3][c] for c in cols)] for row_id, st in state.items() if row_id in changed]
        if puts:
            self._db.executemany(
                f"INSERT OR REPLACE INTO {kind} (id, team, deleted, stamps, sets, "
                f"{', '.join(map(_col, cols))}) VALUES (?, ?, ?, ?, ?{', ?' * len(cols)})", puts)
            self._reindex(kind, [put[0] for put in puts])
        if purged:
            self._purge(kind, purged)
        if newest:
            self.clock.update(newest)
        return [put[0] for put in puts] + purged

    def _rows_by_id(self, kind: str, ids: list[str]) -> dict[str, sqlite3.Row]:
        found: dict[str, sqlite3.Row] = {}
        for i in range(0, len(ids), _CHUNK):
            part = ids[i:i + _CHUNK]
            marks = ",".join("?" * len(part))
            for r in self._db.execute(f"SELECT * FROM {kind} WHERE id IN ({marks})", part):
                found[r["id"]] = r
        return found

    @staticmethod
    def _register(kind: str, name: str, stamp: str, values: dict[str, Any],
                  deleted: bool) -> list[Any]:
        """The local register of a field in wire form (needed only to break a tie of stamps)."""
        value = deleted if name == DELETED else db_to_wire(kind, name, values.get(name))
        return [value, stamp]

    def _purge(self, kind: str, ids: list[str]) -> None:
        """An erasure: the row and any unsent change of it leave this device."""
        params = [(i,) for i in ids]
        self._db.executemany(f"DELETE FROM {kind} WHERE id = ?", params)
        self._db.executemany("DELETE FROM outbox WHERE kind = ? AND id = ?",
                             [(kind, i) for i in ids])
        self._reindex(kind, ids)

    def _drop_other_teams(self, teams: set[str]) -> dict[str, list[str]]:
        """Purge every row of a team not in ``teams``; returns the ids dropped, by kind."""
        marks = ",".join("?" * len(teams)) or "''"
        dropped: dict[str, list[str]] = {}
        for kind in KINDS:
            gone = [r[0] for r in self._db.execute(
                f"SELECT id FROM {kind} WHERE team NOT IN ({marks})", list(teams))]
            if gone:
                self._purge(kind, gone)
                dropped[kind] = gone
        return dropped

    def resend_own(self) -> int:
        """Queue again every register this device wrote, as it stands here; returns how many
        rows were queued.

        For a server restored from a backup: it lost what it acknowledged after the backup, and
        this device already dropped those changes from its outbox. Its own registers are the
        ones it may send (a stamp names its writer); re-sending one the server still holds
        changes nothing there (same stamp, same value). Each row is its own local transaction,
        so a row the server refuses does not take the others with it. Rows of teams this device
        no longer belongs to are left out. Of a list field it sends the adds this device made
        and every removal it holds (a removal names the device of the add it removes).
        """
        teams = set(filter(None, (self.meta("teams") or "").split(",")))
        queued = 0
        with self.transaction():
            tx = int(self.meta("next_tx") or 1)
            for kind in KINDS:
                cols = set(columns(kind))
                for r in self._db.execute(f"SELECT * FROM {kind}").fetchall():
                    if teams and r["team"] not in teams:
                        continue
                    own = {n: s for n, s in json.loads(r["stamps"]).items()
                           if split_stamp(s)[1] == self.device and (n == DELETED or n in cols)
                           and n not in _lists(kind)}
                    mine = {n: _own_items(items, self.device)
                            for n, items in json.loads(r["sets"]).items()}
                    mine = {n: items for n, items in mine.items() if items}
                    if not own and not mine:
                        continue
                    wire = {n: r["deleted"] == 1 if n == DELETED else db_to_wire(kind, n, r[n])
                            for n in own}
                    regs = {n: [wire[n], s, None] for n, s in own.items()}
                    if mine:  # a fresh stamp: it must be past every HLC the items name
                        stamp = self.clock.stamp()
                        regs.update({n: [items, stamp, None] for n, items in mine.items()})
                    self._append_outbox(tx, kind, r["id"], r["team"], regs)
                    tx += 1
                    queued += 1
            self._set_meta("next_tx", str(tx))
        return queued

    def forget_synced_rows(self) -> None:
        """For a reset: drop every row that has no unsent change, and the cursor."""
        with self.transaction():
            for kind in KINDS:
                self._db.execute(f"DELETE FROM {kind} WHERE id NOT IN "
                                 f"(SELECT id FROM outbox WHERE kind = ?)", (kind,))
            self._db.execute("DELETE FROM contact_resident WHERE contact_id NOT IN "
                             "(SELECT id FROM contact)")
            self._db.execute("DELETE FROM resident_search WHERE id NOT IN "
                             "(SELECT id FROM resident)")
            self._db.execute("DELETE FROM meta WHERE key = 'cursor'")

    def wipe(self) -> None:
        """Remove every record, the outbox and the cursor (a revoked device's remote wipe)."""
        with self.transaction():
            for table in [*KINDS, "outbox", "rejected", "contact_resident", "resident_search"]:
                self._db.execute(f"DELETE FROM {table}")
            self._db.execute("DELETE FROM meta WHERE key NOT IN ('device', 'epoch', 'clock')")
        self._scrub()

    def _scrub(self) -> None:
        """Truncate the WAL after an erasure or a wipe: its old frames still hold the rows."""
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # ------------------------------------------------------------------ metadata

    def meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction():
            self._set_meta(key, value)

    def _set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def _meta_default(self, key: str, make: Any) -> str:
        value = self.meta(key)
        if value is None:
            self._db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", (key, make()))
            value = self.meta(key)
            assert value is not None  # written just now, or by whoever was first
        return value

    def all_rows(self, kind: str) -> dict[str, dict[str, Any]]:
        """Every row of a kind, deleted ones included, as id → wire values (tests, exports)."""
        out = {}
        for r in self._db.execute(f"SELECT * FROM {kind}"):
            values = {c: db_to_wire(kind, c, r[c]) for c in columns(kind)}
            out[r["id"]] = {"team": r["team"], DELETED: bool(r["deleted"]), **values}
        return out


def created(registers: Mapping[str, Any]) -> bool:
    """Did this change create its row (the first ``_deleted`` register, with no base)?"""
    reg = registers.get(DELETED)
    return isinstance(reg, list) and len(reg) > 2 and reg[0] is False and reg[2] is None


_REINDEX: dict[str, tuple[str, ...]] = {
    "contact": (
        "DELETE FROM contact_resident WHERE contact_id IN ({ids})",
        "INSERT OR IGNORE INTO contact_resident SELECT j.value, c.id FROM contact c, "
        "json_each(c.resident_ids) j WHERE c.id IN ({ids}) AND NOT c.deleted",
    ),
    "resident": (
        "DELETE FROM resident_search WHERE id IN ({ids})",
        "INSERT INTO resident_search SELECT r.id, wijkweb_fold(r.name), wijkweb_fold(h.street) "
        "FROM resident r LEFT JOIN household h ON h.id = r.household_id "
        "WHERE r.id IN ({ids}) AND NOT r.deleted",
    ),
    "household": (
        "UPDATE resident_search SET street = wijkweb_fold((SELECT h.street FROM resident r "
        "JOIN household h ON h.id = r.household_id WHERE r.id = resident_search.id)) "
        "WHERE id IN (SELECT id FROM resident WHERE household_id IN ({ids}))",
    ),
}
"""SQL that rebuilds the local indexes for the rows ``{ids}`` of a kind."""


_stamps_json = json.JSONEncoder(separators=(",", ":")).encode


def _configure(db: Any) -> None:
    """WAL for concurrent reads; FULL sync so that a "saved" write survives a power cut;
    ``secure_delete`` so that an erased or wiped row's bytes are overwritten, not left in free
    space (with ``_scrub`` for the copies in the WAL)."""
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = FULL")
    db.execute("PRAGMA busy_timeout = 30000")
    db.execute("PRAGMA secure_delete = ON")
    fold.register(db)


@functools.cache
def _lists(kind: str) -> frozenset[str]:
    """The list fields of a kind: add-wins sets on the wire."""
    return frozenset(name for name, typ in KINDS[kind].items() if typ == LIST)


def _as_items(value: Any) -> Items | None:
    return value if isinstance(value, dict) else None


def _own_items(items: Items, device: str) -> Items:
    """What of an items map ``device`` may send: its own adds, and removals (of anyone's add)."""
    out = {item: {dev: p for dev, p in adds.items() if dev == device or p[0] == p[1]}
           for item, adds in items.items()}
    return {item: adds for item, adds in out.items() if adds}


def _rename_own(items: Items, device: str, renamed: dict[str, str],
                fresh: str | None = None) -> None:
    """Give ``device``'s HLCs in ``items`` their new names, in place. With ``fresh`` (an unsent
    change's new HLC), an HLC past it is renamed to it first: the clock ran ahead when it was made.
    """
    for adds in items.values():
        pair = adds.get(device)
        if pair is None:
            continue
        for i, hlc in enumerate(pair):
            if hlc is not None and fresh is not None and hlc > fresh and hlc not in renamed:
                renamed[hlc] = fresh
            if hlc is not None and hlc in renamed:
                pair[i] = renamed[hlc]


def _col(name: str) -> str:
    """The quoted column of a field (one is called ``date``; ``_deleted`` is ``deleted``)."""
    return '"deleted"' if name == DELETED else f'"{name}"'
