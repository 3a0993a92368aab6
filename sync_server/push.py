"""Applying a checked push batch inside the store's write transaction.

Kept apart from the store so the rules read in one place: authorization per change, a row
that names a row of another team refused (``reference_out_of_scope``), a whole local
transaction (``tx``) refused if any of its changes is, purged rows ignored, per-field merge
with ``protocol.merge_register``, conflicts recorded for concurrent overwrites of a plain field
by different devices (a list field merges as a set: concurrent edits keep both). A change
whose every register the row already holds (a device re-sending after a restore) is merged as a
no-op and not logged twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, NamedTuple

from sync_server.backend import Connection
from sync_server.validate import UUID_MATCH, Item
from wijkweb_protocol import (
    brings,
    is_set,
    is_uuid,
    merge_register,
    referenced_ids,
    split_stamp,
)

SERVER_KINDS = frozenset({"team", "worker"})
"""Kinds the server publishes itself; devices may not write them."""

_encode = json.JSONEncoder(separators=(",", ":")).encode
_CHUNK = 500

MESSAGES = {
    "forbidden_team": "This device may not write to that team.",
    "forbidden_kind": "Teams and workers are managed on the server, not from a device.",
    "team_mismatch": "The row already belongs to another team.",
    "reference_out_of_scope": "The change refers to a row outside the team of its own row.",
    "tx_rejected": "Another change of the same transaction was rejected.",
}


class Current(NamedTuple):
    rid: int
    team: str
    fields: str
    purged: int


def row_key(row_id: str) -> int:
    """64 bits of a UUID, as SQLite's signed integer: what ``rows`` are looked up by."""
    key = int(row_id[19:23] + row_id[24:], 16)
    return key - (1 << 64) if key >= 1 << 63 else key


def find_row(db: Connection, kind: str, row_id: str) -> Current | None:
    if not is_uuid(row_id):
        return None  # every stored id is a UUID: this one names no row
    found = db.execute("SELECT rid, team, fields, purged FROM rows WHERE key = ? AND id = ? "
                       "AND kind = ?", (row_key(row_id), row_id, kind)).fetchone()
    return Current(*found) if found else None


class Outcome(NamedTuple):
    rejected: list[dict[str, Any]]
    accepted: int
    newest: str
    """The largest stamp among the accepted changes ('' if none): the server clock ratchets."""
    purged: list[list[str]]
    """``[kind, id]`` of the batch's rows that were erased: the device deletes its copy."""


def purged_keys(current: dict[tuple[str, str], Current], items: Iterable[Item],
                teams: frozenset[str]) -> list[list[str]]:
    """``[kind, id]`` of the erased rows among ``items``, only of rows in the device's ``teams``
    named with their own team: whether a row of another team was erased is no device's business."""
    gone = set()
    for it in items:
        cur = current.get((it.kind, it.id))
        if cur is not None and cur.purged and cur.team == it.team and cur.team in teams:
            gone.add((it.kind, it.id))
    return [list(key) for key in sorted(gone)]


def load_current(db: Connection, items: Iterable[Item]) -> dict[tuple[str, str], Current]:
    wanted = {(it.kind, it.id) for it in items}
    keys = list({row_key(row_id) for _, row_id in wanted})
    out: dict[tuple[str, str], Current] = {}
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start:start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        for rid, kind, row_id, team, fields, purged in db.execute(
                f"SELECT rid, kind, id, team, fields, purged FROM rows WHERE key IN ({marks})",
                chunk):
            if (kind, row_id) in wanted:
                out[(kind, row_id)] = Current(rid, team, fields, purged)
    return out


Scopes = dict[str, frozenset[str]]
"""Per row id: the teams whose rows may refer to it."""


def load_scopes(db: Connection, items: Iterable[Item]) -> Scopes:
    """The scope of every id the batch refers to that the server holds: its row's team, or for
    a worker every team it is a member of. Ids the server does not know are absent: a device
    offline may make the referring row before the referred one reaches the server."""
    wanted = {ref for it in items for _, ref in referenced_ids(it.kind, it.fields)
              if UUID_MATCH(ref)}
    keys = list({row_key(ref) for ref in wanted})
    out: dict[str, frozenset[str]] = {}
    workers: list[str] = []
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start:start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        for kind, row_id, team in db.execute(
                f"SELECT kind, id, team FROM rows WHERE key IN ({marks})", chunk):
            if row_id in wanted:
                out[row_id] = frozenset({team})
                if kind == "worker":
                    workers.append(row_id)
    for start in range(0, len(workers), _CHUNK):
        some = workers[start:start + _CHUNK]
        member: dict[str, set[str]] = {}
        for worker, team in db.execute(
                f"SELECT worker, team FROM worker_teams WHERE worker IN "
                f"({','.join('?' * len(some))})", some):
            member.setdefault(worker, set()).add(team)
        out.update({w: frozenset(member.get(w, ())) for w in some})
    return out


def placed(items: list[Item], scopes: Scopes) -> Scopes:
    """``scopes`` plus the rows this batch makes: each in the team its first change names."""
    out = dict(scopes)
    for it in items:
        out.setdefault(it.id, frozenset({it.team}))
    return out


def _out_of_scope(it: Item, scopes: Scopes) -> bool:
    """Does ``it`` name a row that a row of its team may not name?"""
    for _, ref in referenced_ids(it.kind, it.fields):
        scope = scopes.get(ref)
        if scope is not None and it.team not in scope:
            return True
    return False


def judge(items: list[Item], teams: frozenset[str], current: dict[tuple[str, str], Current],
          scopes: Scopes | None = None) -> tuple[list[int], list[dict[str, Any]]]:
    """Split the batch into accepted item indexes (in seq order) and rejections.

    Purged rows are neither: acknowledged and ignored.
    """
    scopes = placed(items, scopes or {})
    if not current:  # new rows only (the common case): all accepted unless a check fails
        first_team: dict[tuple[str, str], str] = {}
        for it in items:
            if (it.team not in teams or it.kind in SERVER_KINDS
                    or first_team.setdefault((it.kind, it.id), it.team) != it.team
                    or _out_of_scope(it, scopes)):
                break  # some change is refused: sort it out change by change
        else:
            return list(range(len(items))), []
    return judge_each(items, teams, current, scopes)


def judge_each(items: list[Item], teams: frozenset[str],
               current: dict[tuple[str, str], Current], scopes: Scopes
               ) -> tuple[list[int], list[dict[str, Any]]]:
    """``judge`` the long way: each transaction, and each change in it, on its own."""
    groups: dict[int, list[int]] = {}
    for i, it in enumerate(items):
        group = groups.get(it.tx)
        if group is None:
            groups[it.tx] = [i]
        else:
            group.append(i)
    owners: dict[tuple[str, str], str] = {}  # the team of each row, as accepted so far
    accepted: list[int] = []
    rejected: list[dict[str, Any]] = []
    for idxs in groups.values():
        codes: dict[int, str] = {}
        ok: list[int] = []
        added: list[tuple[str, str]] = []
        for i in idxs:
            it = items[i]
            key = (it.kind, it.id)
            cur = current.get(key)
            if it.team not in teams:
                codes[i] = "forbidden_team"
            elif it.kind in SERVER_KINDS:
                codes[i] = "forbidden_kind"
            elif cur is not None and cur.team != it.team:
                codes[i] = "team_mismatch"  # erased or not: no hint at another team's rows
            elif cur is not None and cur.purged:
                continue  # acknowledged, ignored
            elif _out_of_scope(it, scopes):
                codes[i] = "reference_out_of_scope"
            else:
                owner = owners.get(key) or (cur.team if cur is not None else None)
                if owner is None:
                    owners[key] = it.team
                    added.append(key)
                    ok.append(i)
                elif owner != it.team:
                    codes[i] = "team_mismatch"
                else:
                    ok.append(i)
        if codes:
            for key in added:  # the transaction is refused: it made no row
                del owners[key]
            for i in idxs:
                code = codes.get(i, "tx_rejected")
                rejected.append({"seq": items[i].seq, "code": code, "message": MESSAGES[code]})
        else:
            accepted += ok
    accepted.sort()
    rejected.sort(key=lambda r: r["seq"])
    return accepted, rejected


def resent(db: Connection, rid: int, it: Item, state: dict[str, list[Any]]) -> bool:
    """Is ``it`` a change the row's log already holds, sent again? Then it brings nothing and
    is neither logged nor judged for conflicts a second time.

    A device re-sends under a new epoch what its outbox still holds (restored from a copy of
    its database, its seqs met ``epoch_stale``); the row may have moved on since. Only a change
    that wins no field can be such a re-send, so only those are looked up in the log.
    """
    if any(brings(reg, state.get(name)) for name, reg in it.fields.items()):
        return False
    return db.execute("SELECT 1 FROM changes WHERE row = ? AND fields = ? LIMIT 1",
                      (rid, it.text)).fetchone() is not None


def apply(db: Connection, device: str, teams: frozenset[str], items: list[Item],
          version_for: Any, now: str) -> Outcome:
    """Merge the accepted changes of ``items``; ``version_for()`` allocates the commit version."""
    current = load_current(db, items)
    gone = purged_keys(current, items, teams)
    accepted, rejected = judge(items, teams, current, load_scopes(db, items))
    if not accepted:
        return Outcome(rejected, 0, "", gone)
    states: dict[tuple[str, str], dict[str, list[Any]]] = {}
    texts: dict[tuple[str, str], str] = {}  # rows made by exactly one change: its JSON as is
    row_team: dict[tuple[str, str], str] = {}
    changed: set[tuple[str, str]] = set()
    conflicts: list[tuple[Any, ...]] = []
    logged: list[int] = []  # accepted changes that bring something the row did not hold
    newest = ""
    for i in accepted:
        it = items[i]
        key = (it.kind, it.id)
        if it.top > newest:
            newest = it.top
        state = states.get(key)
        if state is None:
            cur = current.get(key)
            if cur is None and it.bare:  # a new row that is this change (the common case)
                states[key] = it.fields  # copied below before any change of it
                texts[key] = it.text
                row_team[key] = it.team
                changed.add(key)
                logged.append(i)
                continue
            state = states[key] = json.loads(cur.fields) if cur is not None else {}
            row_team[key] = cur.team if cur is not None else it.team
        elif texts.pop(key, None) is not None:
            state = states[key] = dict(state)  # it was the first change's own dict
        if key in current and resent(db, current[key].rid, it, state):
            continue
        held = True  # every register already there as sent: a re-send, not a new change
        for name, reg in it.fields.items():
            stamp = reg[1]
            old = state.get(name)
            if old is None:
                state[name] = [reg[0], stamp]
                changed.add(key)
                held = False
                continue
            if old[1] == stamp and old[0] == reg[0]:
                continue
            held = False
            if is_set(reg) or is_set(old):  # a set: both sides' adds and removes are kept
                merged = merge_register(old, reg)
                if merged != old:
                    state[name] = merged
                    changed.add(key)
                continue
            incoming_wins = brings(reg, old)
            base = reg[2] if len(reg) == 3 else None
            if (old[1] != stamp and old[1] != base and split_stamp(old[1])[1] != device
                    and old[0] != reg[0]):
                winner, loser = ([reg[0], stamp], old) if incoming_wins else (old, [reg[0], stamp])
                conflicts.append((it.kind, it.id, name, _encode(winner), _encode(loser),
                                  row_team[key], now))
            if incoming_wins:
                state[name] = [reg[0], stamp]
                changed.add(key)
        if not held:
            logged.append(i)
    if not changed and not logged:
        return Outcome(rejected, len(accepted), newest, gone)
    version = version_for()
    rids = {key: cur.rid for key, cur in current.items()}
    next_rid = db.execute("SELECT coalesce(max(rid), 0) + 1 FROM rows").fetchone()[0]
    inserts, updates = [], []
    for key, state in states.items():
        if key in rids:
            if key in changed:
                updates.append((_encode(state), version, rids[key]))
        else:  # new rows: ids in insertion order keep the change log's index append-only
            rids[key] = next_rid
            inserts.append((next_rid, row_key(key[1]), key[0], key[1], row_team[key],
                            texts.get(key) or _encode(state), version))
            next_rid += 1
    db.executemany("INSERT INTO rows (rid, key, kind, id, team, fields, version) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?)", inserts)
    db.executemany("UPDATE rows SET fields = ?, version = ? WHERE rid = ?", updates)
    db.executemany(
        "INSERT INTO changes (version, row, device, fields, received_at) VALUES (?, ?, ?, ?, ?)",
        [(version, rids[(items[i].kind, items[i].id)], device, items[i].text, now)
         for i in logged])
    if conflicts:
        db.executemany(
            "INSERT INTO conflicts (kind, row_id, field, winner, loser, team, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)", conflicts)
    return Outcome(rejected, len(accepted), newest, gone)
