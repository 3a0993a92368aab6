"""Who may sync: teams, workers, their devices, and the enrollment codes that make a device.

Teams and workers are also published into the feed as server-made rows, so devices learn
their names the way they learn everything else.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Sequence
from typing import Any, NamedTuple

from sync_server import audit, auth, push
from sync_server.audit import CLI, Actor
from sync_server.backend import Connection
from sync_server.core import StoreCore
from sync_server.errors import Refusal, bad_request, not_found
from wijkweb_protocol import merge

log = logging.getLogger("wijkweb.server")

MAX_NAME = 200
TOUCH_EVERY_S = 60.0
"""A device's ``last_seen`` is written at most this often on reads (pushes always write it)."""


class Device(NamedTuple):
    """Who a bearer token belongs to."""

    id: str
    worker: str
    role: str
    teams: tuple[str, ...]
    revoked: bool



def _name(value: Any, what: str = "name") -> str:
    if (not isinstance(value, str) or not value.strip() or len(value) > MAX_NAME
            or not _utf8(value)):
        raise bad_request(f"The {what} must be 1 to {MAX_NAME} characters.")
    return value.strip()


def _administrator_in_team() -> Refusal:
    return Refusal("An administrator holds no resident data, so it cannot be a member of a "
                   "team. Use a worker of the team instead.", code="administrator_in_team")


def _utf8(text: str) -> bool:
    """False for text with lone surrogates or NUL (JSON allows them; SQLite cannot store the
    first, PostgreSQL not the second)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


class Accounts(StoreCore):
    """Teams, workers, devices and enrollment; what ``admin`` and the team routes manage."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._touched: dict[str, float] = {}

    def _publish(self, db: Connection, kind: str, row_id: str, team: str,
                 values: dict[str, Any]) -> None:
        """Write a server-made row (team, worker) into the feed, as an ordinary change."""
        self._ratchet(db)
        stamp = self.clock.stamp()
        self._ratchet(db)
        regs = {name: [value, stamp] for name, value in values.items()}
        found = push.find_row(db, kind, row_id)
        merged = merge(json.loads(found.fields) if found else {}, regs)
        version = self._next_version(db)
        text = json.dumps(merged, separators=(",", ":"))
        if found:
            rid = found.rid
            db.execute("UPDATE rows SET fields = ?, team = ?, version = ? WHERE rid = ?",
                       (text, team, version, rid))
        else:
            rid = db.execute("SELECT coalesce(max(rid), 0) + 1 FROM rows").fetchone()[0]
            db.execute("INSERT INTO rows (rid, key, kind, id, team, fields, version) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (rid, push.row_key(row_id), kind, row_id, team, text, version))
        db.execute("INSERT INTO changes (version, row, device, fields, received_at) "
                   "VALUES (?, ?, ?, ?, ?)",
                   (version, rid, auth.SERVER_DEVICE, json.dumps(regs, separators=(",", ":")),
                    self.now_iso()))

    def add_team(self, name: str, actor: Actor = CLI) -> str:
        """Create a team; returns its id. Devices learn its name from the feed."""
        name = _name(name)
        team = str(uuid.uuid4())
        with self._write() as db:
            now = self.now_iso()
            db.execute("INSERT INTO teams VALUES (?, ?, ?)", (team, name, now))
            self._publish(db, "team", team, team, {"name": name})
            audit.record(db, now, actor, "created", "team", team, [team])
        return team

    def add_worker(self, name: str, role: str, teams: Sequence[str],
                   email: str | None = None, actor: Actor = CLI) -> str:
        """Create a worker in ``teams`` (the first is where the feed files the worker).

        An administrator is in no team (``administrator_in_team``): it holds no resident data.
        """
        name = _name(name)
        if role not in auth.ROLES:
            raise bad_request(f"The role must be one of: {', '.join(auth.ROLES)}.")
        if teams and role == auth.ADMINISTRATOR:
            raise _administrator_in_team()
        if not teams and role != auth.ADMINISTRATOR:
            raise bad_request("A worker must be a member of at least one team.")
        worker = str(uuid.uuid4())
        with self._write() as db:
            for team in teams:
                self._require_team(db, team)
            now = self.now_iso()
            db.execute("INSERT INTO workers VALUES (?, ?, ?, ?)", (worker, name, role, now))
            db.executemany("INSERT INTO worker_teams VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                           [(worker, team, pos) for pos, team in enumerate(teams)])
            values = {"name": name, "role": role} | (
                {"email": _name(email, "email")} if email else {})
            if teams:
                self._publish(db, "worker", worker, teams[0], values)
            audit.record(db, now, actor, "created", "worker", worker, teams)
        return worker

    def join_team(self, worker: str, team: str) -> None:
        """Make ``worker`` (and so all its devices) a member of ``team`` too; never an
        administrator (``administrator_in_team``)."""
        with self._write() as db:
            self._require_worker(db, worker)
            self._require_team(db, team)
            if db.execute("SELECT role FROM workers WHERE id = ?", (worker,)
                          ).fetchone()[0] == auth.ADMINISTRATOR:
                raise _administrator_in_team()
            pos = db.execute("SELECT coalesce(max(pos), -1) + 1 FROM worker_teams "
                             "WHERE worker = ?", (worker,)).fetchone()[0]
            db.execute("INSERT INTO worker_teams VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                       (worker, team, pos))

    def leave_team(self, worker: str, team: str) -> None:
        """Take ``team`` out of the worker's scope; its devices drop that team's rows."""
        with self._write() as db:
            self._require_worker(db, worker)
            gone = db.execute("DELETE FROM worker_teams WHERE worker = ? AND team = ?",
                              (worker, team)).rowcount
            if not gone:
                raise not_found("The worker is not a member of that team.")
            first = db.execute("SELECT team FROM worker_teams WHERE worker = ? ORDER BY pos "
                               "LIMIT 1", (worker,)).fetchone()
            filed = push.find_row(db, "worker", worker)
            if first and filed and filed.team != first[0]:
                db.execute("UPDATE rows SET team = ?, version = ? WHERE rid = ?",
                           (first[0], self._next_version(db), filed.rid))

    def teams(self) -> list[dict[str, Any]]:
        with self._read() as db:
            return [{"id": i, "name": n, "created_at": c}
                    for i, n, c in db.execute("SELECT id, name, created_at FROM teams "
                                              "ORDER BY created_at, name")]

    def workers(self) -> list[dict[str, Any]]:
        with self._read() as db:
            rows = db.execute("SELECT id, name, role FROM workers ORDER BY created_at, name")
            out = [{"id": i, "name": n, "role": r, "teams": []} for i, n, r in rows]
            for w in out:
                w["teams"] = [t for (t,) in db.execute(
                    "SELECT team FROM worker_teams WHERE worker = ? ORDER BY pos", (w["id"],))]
            return out

    @staticmethod
    def _require_team(db: Connection, team: str) -> None:
        if not db.execute("SELECT 1 FROM teams WHERE id = ?", (team,)).fetchone():
            raise not_found(f"There is no team '{team}'.")

    @staticmethod
    def _require_worker(db: Connection, worker: str) -> None:
        if not db.execute("SELECT 1 FROM workers WHERE id = ?", (worker,)).fetchone():
            raise not_found(f"There is no worker '{worker}'.")

    def create_enrollment(self, worker: str, hours: float = 24.0, actor: Actor = CLI) -> str:
        """A one-time code that enrolls one device of ``worker``; expires after ``hours``."""
        if not isinstance(hours, (int, float)) or not 0 < hours <= 24 * 30:
            raise bad_request("A code must expire within 1 to 720 hours.")
        code = auth.new_code()
        with self._write() as db:
            self._require_worker(db, worker)
            teams = [t for (t,) in db.execute(
                "SELECT team FROM worker_teams WHERE worker = ? ORDER BY pos", (worker,))]
            now = self.now_iso()
            db.execute("INSERT INTO enrollments (code_hash, worker, teams, created_at, "
                       "expires_at) VALUES (?, ?, ?, ?, ?)",
                       (auth.code_digest(code), worker, json.dumps(teams), now,
                        self._wall() / 1000 + hours * 3600))
            audit.record(db, now, actor, "code_issued", "worker", worker, teams)
        return code

    def redeem_enrollment(self, code: str, device: str, label: str = "") -> dict[str, Any]:
        """Redeem ``code`` for ``device``: returns its token (shown once, stored as a hash)."""
        if not auth.valid_device_id(device):
            raise bad_request("'device' must be 1 to 64 letters, digits, '-' or '_', starting "
                              "with a letter or digit.")
        if not isinstance(label, str) or len(label) > MAX_NAME or not _utf8(label):
            raise bad_request(f"'label' must be text of at most {MAX_NAME} characters.")
        label = auth.clean_text(label, auth.MAX_LABEL)
        token = auth.new_token()
        with self._write() as db:
            found = db.execute("SELECT worker, expires_at, used_at FROM enrollments "
                               "WHERE code_hash = ?", (auth.code_digest(code),)).fetchone()
            if found is None or found[2] is not None or found[1] <= self._wall() / 1000:
                raise Refusal("This enrollment code is unknown, used or expired. Ask your "
                              "team lead for a new one.", code="enrollment_invalid")
            worker = found[0]
            taken = db.execute("SELECT 1 FROM devices WHERE id = ?", (device,)).fetchone()
            if taken or auth.reserved_device_id(device):
                raise Refusal("A device with this id is already enrolled.", code="device_exists")
            now = self.now_iso()
            db.execute("INSERT INTO devices (id, worker, token_hash, label, created_at, "
                       "last_seen) VALUES (?, ?, ?, ?, ?, ?)",
                       (device, worker, auth.digest(token), label, now, now))
            db.execute("UPDATE enrollments SET used_at = ?, device = ? WHERE code_hash = ?",
                       (now, device, auth.code_digest(code)))
            role = db.execute("SELECT role FROM workers WHERE id = ?", (worker,)).fetchone()[0]
            teams = [t for (t,) in db.execute(
                "SELECT team FROM worker_teams WHERE worker = ? ORDER BY pos", (worker,))]
            audit.record(db, now, Actor(device, worker), "enrolled", "device", device, teams)
        return {"device": device, "token": token, "worker": worker, "role": role,
                "teams": teams}

    def authenticate(self, token: str) -> Device | None:
        """The device a bearer token belongs to (revoked ones too), or None."""
        with self._read() as db:
            found = db.execute(
                "SELECT d.id, d.worker, w.role, d.revoked FROM devices d "
                "JOIN workers w ON w.id = d.worker WHERE d.token_hash = ?",
                (auth.digest(token),)).fetchone()
            if found is None:
                return None
            teams = () if found[2] == auth.ADMINISTRATOR else tuple(  # no resident data, even
                t for (t,) in db.execute(  # if a database from before the rule has it in one
                    "SELECT team FROM worker_teams WHERE worker = ? ORDER BY pos", (found[1],)))
        return Device(found[0], found[1], found[2], teams, bool(found[3]))

    def touch(self, device: str) -> None:
        """Note that ``device`` was seen; skipped when written recently or the writer is busy."""
        now = time.monotonic()
        if now - self._touched.get(device, -TOUCH_EVERY_S) < TOUCH_EVERY_S:
            return
        with self._writer(wait=False) as db:
            if db is None:
                return
            try:
                db.execute("UPDATE devices SET last_seen = ? WHERE id = ?",
                           (self.now_iso(), device))
                self._touched[device] = now
            except self._failures:  # a full or read-only disk must not stop
                log.debug("last_seen not written", exc_info=True)  # reads

    def devices(self) -> list[dict[str, Any]]:
        with self._read() as db:
            rows = db.execute("SELECT id, worker, label, created_at, last_seen, revoked "
                              "FROM devices ORDER BY created_at, id").fetchall()
        return [{"id": i, "worker": w, "label": lb, "created_at": c, "last_seen": s,
                 "revoked": bool(r)} for i, w, lb, c, s, r in rows]

    def revoke(self, device: str, actor: Actor = CLI) -> None:
        """The device's token stops working at once (403 ``device_revoked``)."""
        with self._write() as db:
            if not db.execute("UPDATE devices SET revoked = 1 WHERE id = ?", (device,)).rowcount:
                raise not_found(f"There is no device '{device}'.")
            teams = [t for (t,) in db.execute(
                "SELECT team FROM worker_teams WHERE worker = (SELECT worker FROM devices "
                "WHERE id = ?) ORDER BY pos", (device,))]
            audit.record(db, self.now_iso(), actor, "revoked", "device", device, teams)
