"""Shared fixtures for the sync server tests: a REAL server on 127.0.0.1, real HTTP via httpx.

A test module loads them with ``pytest_plugins = ["server_fixtures"]`` and imports the types
only under ``TYPE_CHECKING`` (importing the module itself first would stop pytest from rewriting
its asserts).

* ``server`` — a ``Harness``: a fresh database, a ``SyncServer`` serving it from a thread on an
  ephemeral port, helpers to make teams and enrolled devices, and ``dump()`` to compare the
  database before and after a refused request.
* ``make_server`` — the same as a factory, for servers with options (overload limit, TLS, a
  fake wall clock, an existing database file, trusted proxies).
* ``spawn`` — ``spawn(db, *args)`` starts ``python -m sync_server serve`` as a subprocess
  (for signals) and returns ``(process, url)``; leftovers are killed after the test.
* ``cli`` — ``cli(*args)`` runs ``python -m sync_server ...`` and returns the completed process.
* ``db_dump`` — ``db_dump(path)``: every table's rows, to compare before and after.
* ``backend`` — ``"sqlite"``, or ``"postgres"`` where a test is marked ``@both_backends``: then
  ``make_server`` (and so ``server`` and ``fleet``) and ``server_db`` give fresh databases in a
  throwaway PostgreSQL cluster (``pg_cluster``, one per session), skipped with the reason when
  PostgreSQL is not installed, except in CI (``CI=true``), where that fails.
"""

from __future__ import annotations

import glob
import json
import os
import pwd
import shutil
import socket
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from sync_server.backend import is_postgres
from sync_server.server import SyncServer
from sync_server.store import ServerStore
from wijkweb_protocol import KINDS, LIST, PROTOCOL_HEADER, Clock, add_items, new_id

ROOT = Path(__file__).resolve().parent.parent
PROTO = {PROTOCOL_HEADER: "2"}
TLS = ssl.create_default_context()
"""One client TLS context for all test clients: httpx would build (slowly) one per client."""


def dump_db(path: str | os.PathLike[str]) -> list[Any]:
    """Every table's rows, sorted; ``devices.last_seen`` left out (reads may touch it)."""
    if is_postgres(str(path)):
        return _dump_pg(str(path))
    db = sqlite3.connect(path)
    try:
        out: list[Any] = []
        tables = [t for (t,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        for table in tables:
            cols = [c[1] for c in db.execute(f"PRAGMA table_info({table})")
                    if not (table == "devices" and c[1] == "last_seen")]
            rows = db.execute(f"SELECT {', '.join(cols)} FROM {table}").fetchall()
            out.append((table, sorted(rows, key=repr)))
        return out
    finally:
        db.close()


def _dump_pg(url: str) -> list[Any]:
    import psycopg

    with psycopg.connect(url) as db:
        out: list[Any] = []
        cols: dict[str, list[str]] = {}
        for table, column in db.execute(
                "SELECT table_name, column_name FROM information_schema.columns WHERE "
                "table_schema = 'public' ORDER BY table_name, ordinal_position"):
            if not (table == "devices" and column == "last_seen"):
                cols.setdefault(table, []).append(column)
        for table, names in cols.items():
            rows = db.execute(f"SELECT {', '.join(names)} FROM {table}").fetchall()
            out.append((table, sorted(rows, key=repr)))
        return out


@dataclass
class DeviceClient:
    """An enrolled device speaking real HTTP; numbers its changes like the app does."""

    id: str
    token: str
    worker: str
    role: str
    teams: list[str]
    url: str
    epoch: str = "epoch-1"
    seq: int = 0
    tx: int = 0
    clock: Clock = field(init=False)
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.clock = Clock(self.id)
        self.http = httpx.Client(base_url=self.url, timeout=30, verify=TLS, headers={
            **PROTO, "Authorization": f"Bearer {self.token}"})

    def change(self, kind: str, fields: dict[str, Any], *, id: str | None = None,
               team: str | None = None, bases: dict[str, str | None] | None = None,
               same_tx: bool = False, stamp: str | None = None) -> dict[str, Any]:
        """A wire change with the next seq; a new tx unless ``same_tx``. A plain list given for
        a list field is sent as the adds of its items, as the app would."""
        self.seq += 1
        if not same_tx:
            self.tx += 1
        stamp = stamp or self.clock.stamp()
        bases = bases or {}
        lists = {k for k, t in KINDS.get(kind, {}).items() if t == LIST}
        return {"seq": self.seq, "tx": self.tx, "kind": kind, "id": id or new_id(),
                "team": team or self.teams[0],
                "fields": {k: [add_items(None, v, stamp) if k in lists and isinstance(v, list)
                               else v, stamp, bases.get(k)] for k, v in fields.items()}}

    def push(self, changes: list[dict[str, Any]], epoch: str | None = None,
             **kw: Any) -> httpx.Response:
        body = {"device": self.id, "epoch": epoch or self.epoch, "changes": changes}
        return self.http.post("/v1/push", json=body, **kw)

    def pull(self, cursor: str | None = None, limit: int | None = None,
             wait: float | None = None) -> httpx.Response:
        params: dict[str, Any] = {}
        if cursor is not None:
            params["cursor"] = cursor
        if limit is not None:
            params["limit"] = limit
        if wait is not None:
            params["wait"] = wait
        return self.http.get("/v1/pull", params=params)

    def pull_all(self, cursor: str | None = None, limit: int = 1000
                 ) -> tuple[list[dict[str, Any]], str]:
        rows: list[dict[str, Any]] = []
        while True:
            resp = self.pull(cursor, limit)
            assert resp.status_code == 200, resp.text
            page = resp.json()
            rows += page["rows"]
            cursor = page["cursor"]
            if not page["more"]:
                return rows, cursor

    def close(self) -> None:
        self.http.close()


@dataclass
class Harness:
    store: ServerStore
    server: SyncServer
    db_path: Path | str
    """A SQLite file, or a PostgreSQL URL."""
    url: str
    devices: list[DeviceClient] = field(default_factory=list)
    anonymous: httpx.Client = field(init=False)
    """A client without token (health, enroll)."""

    def __post_init__(self) -> None:
        self.anonymous = httpx.Client(base_url=self.url, timeout=30, verify=TLS)

    def team(self, name: str = "Team Noord") -> str:
        return self.store.add_team(name)

    def device(self, role: str = "street_coach", teams: list[str] | None = None,
               device_id: str | None = None) -> DeviceClient:
        """A worker with ``role`` in ``teams`` (a new team if none), enrolled over HTTP; an
        administrator is in no team, whatever ``teams`` says."""
        teams = [] if role == "administrator" else teams or [self.team()]
        worker = self.store.add_worker(f"Worker {len(self.devices)}", role, teams)
        code = self.store.create_enrollment(worker)
        device_id = device_id or f"dev-{uuid.uuid4().hex[:8]}"
        resp = self.anonymous.post("/v1/enroll", headers=PROTO,
                                   json={"code": code, "device": device_id, "label": "test"})
        assert resp.status_code == 200, resp.text
        data = resp.json()
        client = DeviceClient(device_id, data["token"], data["worker"], data["role"],
                              data["teams"], self.url)
        self.devices.append(client)
        return client

    def dump(self) -> list[Any]:
        return dump_db(self.db_path)

    def stop(self) -> None:
        """Stop serving and close the database (again is fine); device clients close last."""
        if not self.server.stopping:
            self.server.stop()
        self.store.close()
        for d in self.devices:
            d.close()
        self.anonymous.close()


both_backends = pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
"""Run a test against SQLite and against PostgreSQL (``-m postgres``: only the latter)."""


class PgCluster:
    """A throwaway PostgreSQL cluster on 127.0.0.1 (trust auth, fsync off: tests only)."""

    def __init__(self, base: Path, bindir: Path, port: int, user: str | None):
        self.base, self.bindir, self.port, self.user = base, bindir, port, user
        self.url = f"postgresql://postgres@127.0.0.1:{port}"
        self._made = 0

    def _run(self, *args: str) -> None:
        subprocess.run([str(self.bindir / args[0]), *args[1:]], check=True, user=self.user,
                       capture_output=True, cwd=self.base)

    def start(self) -> None:
        self._run("initdb", "-D", str(self.base / "data"), "-A", "trust", "-U", "postgres",
                  "-E", "UTF8", "--locale=C", "--no-sync")
        opts = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.base} -c fsync=off "
                "-c full_page_writes=off -c shared_buffers=32MB -c max_connections=300")
        self._run("pg_ctl", "-D", str(self.base / "data"), "-o", opts, "-l",
                  str(self.base / "log"), "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.base / "data"), "-m", "immediate", "stop")

    def restart(self) -> None:
        """Every session ends (as in a crash of PostgreSQL); the data stays."""
        self._run("pg_ctl", "-D", str(self.base / "data"), "-m", "immediate", "-l",
                  str(self.base / "log"), "-w", "restart")

    def fresh_db(self) -> str:
        """The URL of a new, empty database."""
        import psycopg

        self._made += 1
        name = f"wijkweb_{os.getpid()}_{self._made}"
        with psycopg.connect(f"{self.url}/postgres", autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return f"{self.url}/{name}"


def postgres_missing() -> str | None:
    """Why PostgreSQL tests cannot run here, or None."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install '.[postgres]')"
    if _pg_bindir() is None:
        return "no initdb/pg_ctl (Debian: apt-get install postgresql)"
    return None


def _pg_bindir() -> Path | None:
    found = []
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        found.append(out.stdout.strip())
    found += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for d in found:
        if d and (Path(d) / "initdb").is_file() and (Path(d) / "pg_ctl").is_file():
            return Path(d)
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    reason = postgres_missing()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI: {reason}")
        pytest.skip(f"PostgreSQL not installed: {reason}")
    bindir = _pg_bindir()
    assert bindir is not None
    base = Path(tempfile.mkdtemp(prefix="wijkweb-pg-"))
    user = None
    if os.geteuid() == 0:  # initdb refuses root: the cluster runs as an ordinary user
        user = next(u for u in ("postgres", "nobody") if _has_user(u))
        os.chown(base, pwd.getpwnam(user).pw_uid, -1)
    cluster = PgCluster(base, bindir, _free_port(), user)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """``sqlite`` unless the test is parametrised (``@both_backends``) or the environment
    says otherwise (``WIJKWEB_TEST_BACKEND=postgres``: every server test on PostgreSQL)."""
    return getattr(request, "param", os.environ.get("WIJKWEB_TEST_BACKEND", "sqlite"))


def fresh_db(request: pytest.FixtureRequest, backend: str, directory: Path, name: str) -> str:
    """A new database of ``backend``: a SQLite file in ``directory``, or a PostgreSQL URL."""
    if backend == "postgres":
        return request.getfixturevalue("pg_cluster").fresh_db()
    return str(directory / name)


@pytest.fixture
def server_db(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> str:
    """A fresh database for a server process (``spawn``) or a ``ServerStore``."""
    return fresh_db(request, backend, tmp_path, "server.db")


@pytest.fixture
def make_server(request: pytest.FixtureRequest, backend: str,
                tmp_path: Path) -> Iterator[Callable[..., Harness]]:
    """Factory: ``make_server(db=None, *, max_in_flight=32, ssl_context=None, wall=None,
    trusted_proxies=())``."""
    made: list[Harness] = []

    def make(db: Path | str | None = None, *, max_in_flight: int = 32, ssl_context: Any = None,
             wall: Callable[[], int] | None = None,
             trusted_proxies: tuple[str, ...] = ()) -> Harness:
        db = db or fresh_db(request, backend, tmp_path, f"server-{len(made)}.db")
        store = ServerStore(db, wall=wall)
        server = SyncServer(store, "127.0.0.1", 0, max_in_flight=max_in_flight,
                            ssl_context=ssl_context, trusted_proxies=trusted_proxies)
        threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
        harness = Harness(store, server, db if is_postgres(str(db)) else Path(db), server.url)
        made.append(harness)
        return harness

    yield make
    for harness in made:
        harness.stop()


@pytest.fixture
def server(make_server: Callable[..., Harness]) -> Harness:
    return make_server()


def run_cli(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """``python -m sync_server ...`` from the repository root."""
    return subprocess.run([sys.executable, "-m", "sync_server", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def spawn_server(db: Path | str, *args: str) -> tuple[subprocess.Popen[str], str]:
    """Start ``serve`` on an ephemeral port; returns the process and its URL."""
    proc = subprocess.Popen([sys.executable, "-m", "sync_server", "serve", "--db", str(db),
                             "--port", "0", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("listening on "):
        proc.kill()
        raise AssertionError(f"server did not start: {line!r} {proc.stderr.read()}")
    return proc, line.split()[-1]


def as_json(resp: httpx.Response) -> Any:
    """The body as JSON, failing the test with the text if it is not."""
    try:
        return resp.json()
    except json.JSONDecodeError:
        raise AssertionError(f"not JSON: {resp.status_code} {resp.text[:200]!r}") from None


@pytest.fixture
def cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    return run_cli


@pytest.fixture
def spawn() -> Iterator[Callable[..., tuple[subprocess.Popen[str], str]]]:
    started: list[subprocess.Popen[str]] = []

    def start(db: Path | str, *args: str) -> tuple[subprocess.Popen[str], str]:
        proc, url = spawn_server(db, *args)
        started.append(proc)
        return proc, url

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()


@pytest.fixture
def db_dump() -> Callable[[str | os.PathLike[str]], list[Any]]:
    return dump_db


@pytest.fixture
def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    """A certificate and key (PEM) for 127.0.0.1, made with the openssl tool."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: cannot make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=127.0.0.1", "-addext",
                    "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


def poll_until(check: Callable[[], Any], what: str, bound: float = 30) -> None:
    """Wait for a server-side state (a last-resort bound, never a fixed sleep)."""
    deadline = time.monotonic() + bound
    while not check():
        assert time.monotonic() < deadline, f"never reached: {what}"
        time.sleep(0.01)
