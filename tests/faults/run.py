"""A seeded, randomised fault run: real app stores, a real server process, a faulty proxy each.

A schedule drawn from the seed edits records on the devices, syncs them through their proxies
(which drop, lose, truncate, duplicate, delay and stall exchanges, or cut a device off), kills
the server with SIGKILL and starts it again, kills a syncing app process, reopens stores from
disk, restores a device from an older copy of its database (its unsent writes since are lost by
that choice; the rest must come back), and erases records (``purge``). After every server
restart, everything a device saw acknowledged must be on the server. At the end the network
heals and every device syncs until quiet; then the devices and the server must hold exactly the
reference state (per field, the largest stamp of every write ever made), nothing twice in the
history, and each device its own writes. A failed check raises ``AssertionError`` naming the
seed.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.store import NotFound, Store
from app.sync import errors
from app.sync.client import RequestRetry, SyncClient, enroll
from app.sync.config import DeviceConfig
from sync_server.store import ServerStore
from wijkweb_protocol import DELETED, brings, merge

from .proxy import FAULTS, FaultProxy

ROOT = Path(__file__).resolve().parents[2]
KINDS = ("resident", "household")
ACTIONS = {"edit": 40, "sync": 34, "faults": 6, "partition": 4, "kill_server": 3,
           "kill_client": 3, "reopen": 4, "purge": 1, "cut": 3, "check": 2,
           "backup_device": 1, "restore_device": 1}
"""Relative weights of the schedule's steps."""
SYNC_SCRIPT = """
import sys
from app.store import Store
from app.sync.client import RequestRetry, SyncClient
from app.sync.config import DeviceConfig
store = Store(sys.argv[1])
config = DeviceConfig.load(sys.argv[2])
print("ready", flush=True)
with SyncClient(store, config, timeout=2, retry=RequestRetry(2, 0.05, 0.2)) as client:
    try:
        client.sync()
    except Exception:
        pass
"""


class ServerProcess:
    """``python -m sync_server serve`` on a database; killed with SIGKILL, started again."""

    def __init__(self, db: Path | str, *args: str, log: Path | None = None):
        self.db = db
        self.args = args
        self.log = open(log or Path(db).with_suffix(".log"), "a")  # noqa: SIM115 - while it runs
        self.proc: subprocess.Popen[str] | None = None
        self.port = 0

    def start(self) -> int:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sync_server", "serve", "--db", str(self.db), "--port", "0",
             "--log-level", "WARNING", *self.args], cwd=ROOT, stdout=subprocess.PIPE,
            stderr=self.log, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("listening on "):
            self.proc.kill()
            raise AssertionError(f"server did not start: {line!r}")
        self.port = int(line.rsplit(":", 1)[1])
        return self.port

    @property
    def up(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
            if self.proc.stdout:
                self.proc.stdout.close()
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(15)
            if self.proc.stdout:
                self.proc.stdout.close()
            self.proc = None
        self.log.flush()


@dataclass
class Device:
    store: Store
    config: DeviceConfig
    data_dir: Path
    proxy: FaultProxy
    writes: list[tuple[str, str, str, dict[str, list[Any]]]] = field(default_factory=list)
    """Every local write: (kind, id, its stamp, its registers). The stamp names the write:
    outbox seqs are reused by a device restored from a copy of its database."""
    partition_steps: int = 0
    backup: Path | None = None
    unsure: list[tuple[str, str, str, dict[str, list[Any]]]] = field(default_factory=list)
    """Writes a restore took from the device that it may have sent before (unacknowledged)."""
    restored: bool = False
    """Restored from its backup and not synced since: it may miss its own later writes."""

    @property
    def path(self) -> Path:
        return self.data_dir / "wijkweb.sqlite"

    def client(self, rnd: random.Random) -> SyncClient:
        return SyncClient(self.store, self.config, timeout=2.0,
                          retry=RequestRetry(attempts=2, base=0.05, cap=0.2),
                          batch=rnd.choice([1, 3, 50, 500]), page=rnd.choice([2, 25, 1000]))


@dataclass
class Report:
    seed: int
    steps: int = 0
    seconds: float = 0.0
    actions: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    syncs_ok: int = 0
    syncs_failed: int = 0
    writes: int = 0
    rows: int = 0
    quiet_rounds: int = 0
    checks: list[str] = field(default_factory=list)


class FaultRun:
    """One run in ``workdir`` with ``devices`` devices; ``run(steps=…, seconds=…)``."""

    def __init__(self, seed: int, workdir: Path, devices: int = 4):
        self.rnd = random.Random(seed)
        self.report = Report(seed)
        self.workdir = workdir
        self.server = ServerProcess(workdir / "server.db")
        setup = ServerStore(self.server.db)
        self.team = setup.add_team("Team Storing")
        codes = [setup.create_enrollment(setup.add_worker(f"Coach {i}", "street_coach",
                                                          [self.team]))
                 for i in range(devices)]
        setup.close()
        port = self.server.start()
        self.devices: list[Device] = []
        for i, code in enumerate(codes):
            data_dir = workdir / f"device-{i}"
            store = Store(data_dir / "wijkweb.sqlite")
            config = enroll(store, f"http://127.0.0.1:{port}", code, data_dir)
            proxy = FaultProxy(random.Random(self.rnd.random()), ("127.0.0.1", port))
            config.server = proxy.url
            config.save(data_dir)
            self.devices.append(Device(store, config, data_dir, proxy))
        self.purged: set[tuple[str, str]] = set()
        self.down_steps = 0

    # ------------------------------------------------------------------ the schedule

    def run(self, steps: int | None = None, seconds: float | None = None) -> Report:
        started = time.monotonic()
        try:
            while (steps is None or self.report.steps < steps) and (
                    seconds is None or time.monotonic() - started < seconds):
                self.step()
            self.heal_and_settle()
            self.final_checks()
        finally:
            self.report.seconds = time.monotonic() - started
            for dev in self.devices:
                self.report.faults.update(dev.proxy.counts)
            self.close()
        return self.report

    def step(self) -> None:
        self.report.steps += 1
        if self.down_steps:
            self.down_steps -= 1
            if not self.down_steps:
                self.restart_server()
        for d in self.devices:
            if d.partition_steps:
                d.partition_steps -= 1
                d.proxy.partitioned = bool(d.partition_steps)
        action = self.rnd.choices(list(ACTIONS), weights=list(ACTIONS.values()))[0]
        self.report.actions[action] += 1
        dev = self.rnd.choice(self.devices)
        getattr(self, f"do_{action}")(dev)

    def do_edit(self, dev: Device) -> None:
        kind = self.rnd.choice(KINDS)
        rows = [i for i, v in dev.store.all_rows(kind).items() if not v[DELETED]]
        n = self.rnd.randrange(10_000)
        try:
            if not rows or self.rnd.random() < 0.3:
                values = ({"name": f"Bewoner {n} ✓"} if kind == "resident"
                          else {"name": f"Fam. {n}", "street": f"Straat {n % 40}"})
                row_id = dev.store.create(kind, self.team, values)
            else:
                row_id = self.rnd.choice(rows)
                roll = self.rnd.random()
                if roll < 0.1:
                    dev.store.delete(kind, row_id)
                elif kind == "resident":
                    name = self.rnd.choice(["name", "birth_year", "talents"])
                    value = {"name": f"Naam {n}", "birth_year": 1930 + n % 90,
                             "talents": [f"talent {n % 5}"]}[name]
                    dev.store.update(kind, row_id, {name: value})
                else:
                    dev.store.update(kind, row_id, {"street": f"Straat {n % 40}"})
        except NotFound:
            return  # purged under our feet by a pull in another thread: nothing written
        found = dev.store._db.execute(
            "SELECT fields FROM outbox WHERE kind = ? AND id = ? ORDER BY seq DESC LIMIT 1",
            (kind, row_id)).fetchone()
        if found is not None:
            regs = json.loads(found[0])
            dev.writes.append((kind, row_id, next(iter(regs.values()))[1], regs))
            self.report.writes += 1

    def do_sync(self, dev: Device) -> None:
        try:
            with dev.client(self.rnd) as client:
                client.sync()
            self.report.syncs_ok += 1
            dev.restored = False
        except errors.SyncError:
            self.report.syncs_failed += 1

    def do_faults(self, dev: Device) -> None:
        if self.rnd.random() < 0.3:
            dev.proxy.rates = {}
            return
        chosen = self.rnd.sample(FAULTS, self.rnd.randint(1, 3))
        dev.proxy.rates = {f: self.rnd.uniform(0.02, 0.25) / (8 if f == "stall" else 1)
                           for f in chosen}

    def do_partition(self, dev: Device) -> None:
        """The device is cut off for a while (a basement, a lift, a dead zone)."""
        dev.partition_steps = self.rnd.choice([2, 5, 10, 30])
        dev.proxy.partitioned = True

    def do_backup_device(self, dev: Device) -> None:
        dev.backup = dev.data_dir / "backup.sqlite"
        dev.backup.unlink(missing_ok=True)
        out = sqlite3.connect(dev.backup)
        try:
            dev.store._db.backup(out)
        finally:
            out.close()

    def do_restore_device(self, dev: Device) -> None:
        """The phone comes back from its last backup: what it had not sent since is lost
        (the user's choice); what it had sent comes back from the server."""
        if dev.backup is None:
            return
        unsent = outbox_stamps(dev.store._db)
        backup = sqlite3.connect(dev.backup)
        try:
            kept = outbox_stamps(backup)
        finally:
            backup.close()
        dev.store.close()
        for suffix in ("-wal", "-shm"):
            Path(f"{dev.path}{suffix}").unlink(missing_ok=True)
        shutil.copy(dev.backup, dev.path)
        dev.store = Store(dev.path)
        lost = [w for w in dev.writes if w[2] in unsent and w[2] not in kept]
        dev.writes = [w for w in dev.writes if w[2] not in unsent or w[2] in kept]
        dev.unsure += lost  # sent, maybe, with the answer lost: the server may hold them
        dev.restored = True

    def do_cut(self, dev: Device) -> None:
        dev.proxy.cut_all()

    def do_kill_server(self, dev: Device) -> None:
        if not self.server.up:
            return
        self.server.kill()
        self.down_steps = self.rnd.choice([1, 1, 3, 8])

    def restart_server(self) -> None:
        port = self.server.start()
        for d in self.devices:
            d.proxy.upstream = ("127.0.0.1", port)
        self.check_acked_on_server()

    def do_kill_client(self, dev: Device) -> None:
        """The app process dies mid-sync: a real process, killed with SIGKILL at random."""
        dev.store.close()
        proc = subprocess.Popen([sys.executable, "-c", SYNC_SCRIPT, str(dev.path),
                                 str(dev.data_dir)], cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
        assert proc.stdout is not None
        proc.stdout.readline()
        time.sleep(self.rnd.uniform(0, 0.4))
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        proc.stdout.close()
        dev.store = Store(dev.path)

    def do_reopen(self, dev: Device) -> None:
        dev.store.close()
        dev.store = Store(dev.path)

    def do_purge(self, dev: Device) -> None:
        """A team lead erases a record (AVG art. 17) while devices keep working."""
        if not self.server.up:
            return
        admin = ServerStore(self.server.db, readers=1)
        try:
            rows = admin.pull([self.team], None, 100_000).rows
            live = [json.loads(r) for r in rows]
            live = [(r["kind"], r["id"]) for r in live if r["kind"] in KINDS and "fields" in r]
            if live:
                kind, row_id = self.rnd.choice(sorted(live))
                admin.purge(kind, row_id)
                self.purged.add((kind, row_id))
        finally:
            admin.close()

    def do_check(self, dev: Device) -> None:
        if not dev.restored:
            self.check_read_your_writes(dev)

    # ------------------------------------------------------------------ the end

    def heal_and_settle(self, rounds: int = 8) -> None:
        if not self.server.up:
            self.restart_server()
        self.down_steps = 0
        for dev in self.devices:
            dev.proxy.heal()
        for n in range(rounds):
            pulled = 0
            for dev in self.devices:
                with SyncClient(dev.store, dev.config, timeout=30) as client:
                    pulled += client.sync().pulled
            if n and not pulled and not any(d.store.pending_count() for d in self.devices):
                self.report.quiet_rounds = n + 1
                return
        raise AssertionError(f"seed {self.report.seed}: still not quiet after {rounds} rounds")

    def final_checks(self) -> None:
        seed = self.report.seed
        expected = self.reference()
        server = self.server_registers()
        self.report.rows = len(expected)
        assert server == expected, (
            f"seed {seed}: the server differs: {differences(server, expected)}")
        self.report.checks.append("server = reference (every write, largest stamp per field)")
        for i, dev in enumerate(self.devices):
            mine = device_registers(dev.store)
            assert mine == expected, f"seed {seed}: device {i} differs from the server"
            assert dev.store.pending_count() == 0, f"seed {seed}: device {i} has unsent work"
            assert dev.store.rejected() == [], f"seed {seed}: device {i} had changes refused"
            self.check_read_your_writes(dev)
        self.report.checks.append("every device = server; outboxes empty; nothing refused")
        self.report.checks.append("read-your-writes on every device")
        purged = self.server_purged()
        assert purged == self.purged, f"seed {seed}: purges differ"
        for dev in self.devices:
            for kind, row_id in self.purged:
                assert dev.store.values(kind, row_id) is None, f"seed {seed}: purge came back"
        self.report.checks.append(f"{len(purged)} purged rows gone from every device")
        self.check_history_once()
        self.report.checks.append("the server logged no change twice")
        self.check_acked_on_server()
        self.report.checks.append("every acknowledged write on the server")

    def reference(self) -> dict[tuple[str, str], dict[str, list[Any]]]:
        states: dict[tuple[str, str], dict[str, list[Any]]] = {}
        with self._server_db() as db:
            logged = {(r, f) for r, f in db.execute(
                "SELECT r.id, c.fields FROM changes c JOIN rows r ON r.rid = c.row")}
        for dev in self.devices:
            reached = [w for w in dev.unsure
                       if any(r == w[1] and w[2] in f for r, f in logged)]
            for kind, row_id, _, regs in dev.writes + reached:
                states[(kind, row_id)] = merge(states.get((kind, row_id), {}), regs)
        return {k: v for k, v in states.items() if k not in self.purged}

    def check_read_your_writes(self, dev: Device) -> None:
        """Every field this device wrote shows its write or a later one (never an older one)."""
        mine = device_registers(dev.store)
        for kind, row_id, _, regs in dev.writes:
            if (kind, row_id) in self.purged:
                continue
            have = mine.get((kind, row_id))
            if have is None:
                if self.server_purged_now(kind, row_id):
                    continue
                raise AssertionError(f"seed {self.report.seed}: {kind} written here is gone")
            for name, reg in regs.items():
                assert not brings(reg, have.get(name)), (
                    f"seed {self.report.seed}: a write of {kind}.{name} was undone locally")

    def check_acked_on_server(self) -> None:
        """Every write that left a device's outbox (acknowledged) is on the server."""
        server = self.server_registers()
        purged = self.server_purged()
        for dev in self.devices:
            left = outbox_stamps(dev.store._db)
            for kind, row_id, stamp, regs in dev.writes:
                if stamp in left or (kind, row_id) in purged:
                    continue
                have = server.get((kind, row_id), {})
                for name, reg in regs.items():
                    assert not brings(reg, have.get(name)), (
                        f"seed {self.report.seed}: an acknowledged {kind}.{name} is missing")

    def check_history_once(self) -> None:
        with self._server_db() as db:
            twice = db.execute("SELECT row, fields, count(*) FROM changes GROUP BY row, fields "
                               "HAVING count(*) > 1").fetchall()
        assert not twice, f"seed {self.report.seed}: {len(twice)} changes logged twice"

    def server_registers(self) -> dict[tuple[str, str], dict[str, list[Any]]]:
        with self._server_db() as db:
            return {(k, i): json.loads(f) for k, i, f in db.execute(
                "SELECT kind, id, fields FROM rows WHERE purged = 0 AND kind IN (?, ?)", KINDS)}

    def server_purged(self) -> set[tuple[str, str]]:
        with self._server_db() as db:
            return {(k, i) for k, i in db.execute("SELECT kind, id FROM rows WHERE purged = 1")}

    def server_purged_now(self, kind: str, row_id: str) -> bool:
        return (kind, row_id) in self.server_purged()

    def _server_db(self) -> Any:
        return _Reader(self.server.db)

    def close(self) -> None:
        if self.server.up:
            self.server.stop()
        self.server.log.close()
        for dev in self.devices:
            dev.proxy.close()
            dev.store.close()


class _Reader:
    """A read-only connection to the server's database file (the server may be running)."""

    def __init__(self, path: Path):
        self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)

    def __enter__(self) -> sqlite3.Connection:
        return self.db

    def __exit__(self, *exc: object) -> None:
        self.db.close()


def outbox_stamps(db: Any) -> set[str]:
    """The stamps of the writes waiting in an outbox (a device's, or its backup copy's)."""
    return {next(iter(json.loads(f).values()))[1]
            for (f,) in db.execute("SELECT fields FROM outbox")}


def differences(got: dict[Any, dict[str, Any]], want: dict[Any, dict[str, Any]]) -> str:
    """A short account of how two register maps differ (for a failed check's message)."""
    missing = [k for k in want if k not in got]
    extra = [k for k in got if k not in want]
    fields = [(k, n, got[k].get(n), want[k].get(n)) for k in want if k in got
              for n in set(want[k]) | set(got[k]) if got[k].get(n) != want[k].get(n)]
    return f"missing {missing[:3]} ({len(missing)}), extra {extra[:3]} ({len(extra)}), " \
           f"fields (got, want) {fields[:3]} ({len(fields)})"


def device_registers(store: Store) -> dict[tuple[str, str], dict[str, list[Any]]]:
    """Every row of the run's kinds on a device, as registers ``{field: [value, stamp]}`` (a
    list field's value is its items map, as on the server)."""
    out = {}
    for kind in KINDS:
        for (row_id,) in store._db.execute(f"SELECT id FROM {kind}").fetchall():
            stamps, sets = (json.loads(x) for x in store._db.execute(
                f"SELECT stamps, sets FROM {kind} WHERE id = ?", (row_id,)).fetchone())
            values = store.values(kind, row_id) or {}
            out[(kind, row_id)] = {n: [sets[n] if n in sets else values.get(n), s]
                                   for n, s in stamps.items()}
    return out
