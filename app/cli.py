"""Headless commands of the app: enroll, sync once, and the demo that ``make run`` starts.

    python -m app enroll --server URL --code CODE [--data-dir DIR]
    python -m app sync [--data-dir DIR]               one round; prints a summary; exit 1 on error
    python -m app demo [--port 8550] [--server-port 8765]   sync server, demo data, two apps

The database is encrypted: enroll, sync and report take the PIN from ``WIJKWEB_PIN`` or ask for
it on the terminal (never as an argument, which ``ps`` and the shell history would show). On a
new data dir that PIN becomes the device's PIN. The demo devices' PIN is ``DEMO_PIN``.
"""

from __future__ import annotations

import argparse
import getpass
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from app.security import MIN_PIN_LENGTH, DamagedFile, TooSoon, Vault, WrongPin
from app.store import Store, default_data_dir
from app.sync import errors
from app.sync.client import SyncClient, enroll
from app.sync.config import DeviceConfig

DEMO_DIR = Path("var/demo")
DEMO_PIN = "123456"
PIN_ENV = "WIJKWEB_PIN"


def unlocked_store(data_dir: Path) -> Store:
    """The device's store, opened with the PIN from ``WIJKWEB_PIN`` or the terminal.

    Exits with a plain message when there is no PIN, it is wrong, or wrong PINs back off.
    """
    vault = Vault(data_dir)
    pin = os.environ.get(PIN_ENV)
    if pin is None:
        if not sys.stdin.isatty():
            raise SystemExit(f"the database is encrypted: set {PIN_ENV} or run in a terminal")
        pin = getpass.getpass("PIN: ")
        if not vault.is_set_up and getpass.getpass("PIN again: ") != pin:
            raise SystemExit("the two PINs differ")
    try:
        return vault.unlock(pin) if vault.is_set_up else vault.set_up(pin)
    except WrongPin as err:
        later = f"; next try in {err.wait:.0f} s" if err.wait else ""
        raise SystemExit(f"wrong PIN{later}") from None
    except TooSoon as err:
        raise SystemExit(f"too many wrong PINs; next try in {err.seconds:.0f} s") from None
    except DamagedFile as err:
        raise SystemExit(f"{err.path.name} is damaged: without it the data on this device "
                         "cannot be opened; put back a copy of it") from None
    except ValueError as err:  # a new PIN that is too short
        raise SystemExit(f"PIN refused ({err}): at least {MIN_PIN_LENGTH} digits or characters"
                         ) from None


def _data_dir(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", default=None, help="where the local database lives")


def enroll_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--server", required=True, help="sync server URL, e.g. http://127.0.0.1:8765")
    p.add_argument("--code", required=True, help="one-time enrollment code from the team lead")
    _data_dir(p)


def enroll_cmd(args: argparse.Namespace) -> int:
    data_dir = Path(args.data_dir or default_data_dir())
    store = unlocked_store(data_dir)
    try:
        config = enroll(store, args.server, args.code, data_dir)
    except errors.SyncError as err:
        print(f"enrollment failed: {err.code}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"enrolled device {config.device} for {len(config.teams)} team(s)")
    return 0


def sync_cmd(args: argparse.Namespace) -> int:
    data_dir = Path(args.data_dir or default_data_dir())
    if not DeviceConfig.exists(data_dir):
        print("not enrolled: run 'python -m app enroll' first", file=sys.stderr)
        return 1
    store = unlocked_store(data_dir)
    config = DeviceConfig.load(data_dir, store.data_key)  # the token opens with the PIN only
    assert config is not None
    try:
        with SyncClient(store, config) as client:
            result = client.sync()
    except errors.SyncError as err:
        print(f"sync failed: {err.code}; {store.pending_count()} change(s) kept for later",
              file=sys.stderr)
        return 1
    finally:
        pending = store.pending_count()
        store.close()
    print(f"pushed {result.pushed}, pulled {result.pulled}, rejected {len(result.rejected)}, "
          f"pending {pending}")
    return 0


def demo_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", type=int, default=8550, help="port of the app in the browser")
    p.add_argument("--server-port", type=int, default=8765, help="port of the sync server")
    p.add_argument("--dir", default=str(DEMO_DIR), help="where the demo keeps its databases")


def demo_cmd(args: argparse.Namespace) -> int:
    """The whole product on its embedded defaults: a sync server on SQLite with a demo team, the
    street coach's app with months of demo work, and the team lead's app that synced it all."""
    from app.main import run

    root = Path(args.dir)
    server, server_store = start_demo(root, args.server_port)
    lead = subprocess.Popen([sys.executable, "-m", "app", "--web", "--port", str(args.port + 1),
                             "--data-dir", str(root / "lead")])
    print(f"the street coach's app: http://127.0.0.1:{args.port}")
    print(f"the team lead's app:    http://127.0.0.1:{args.port + 1}")
    print(f"PIN of both demo devices: {DEMO_PIN}")
    try:
        run(web=True, port=args.port, data_dir=root / "app")
    finally:
        lead.terminate()
        lead.wait(timeout=15)
        server.stop()
        server_store.close()
    return 0


def start_demo(root: Path, server_port: int) -> tuple[Any, Any]:
    """The demo's sync server, running, and on the first run its team, workers and devices
    (``root/app`` the coach's, ``root/lead`` the lead's); returns the server and its store."""
    from sync_server.server import SyncServer
    from sync_server.store import ServerStore

    root.mkdir(parents=True, exist_ok=True)
    server_store = ServerStore(root / "server.db")
    server = SyncServer(server_store, "127.0.0.1", server_port)
    threading.Thread(target=server.serve_forever, name="sync-server", daemon=True).start()
    print(f"sync server: {server.url} (database {root / 'server.db'})")
    if not DeviceConfig.exists(root / "app"):
        _seed_demo(server_store, server.url, root / "app", root / "lead")
    return server, server_store


def _seed_demo(server_store: Any, url: str, coach_dir: Path, lead_dir: Path) -> None:
    """First run: the team and its workers made on the server (devices may not write those
    kinds); the coach's device pulls them, records the demo work and pushes it; the team
    lead's device pulls it all. Both through the real sync."""
    from app import demo

    team = server_store.add_team(demo.TEAM)
    workers = [server_store.add_worker(name, role, [team], email=demo.email(name))
               for name, role in demo.WORKERS]
    lead_worker = next(w for w, (_, role) in zip(workers, demo.WORKERS, strict=True)
                       if role == "team_lead")
    for data_dir, worker, seed in ((coach_dir, workers[0], True), (lead_dir, lead_worker, False)):
        store = Vault(data_dir).set_up(DEMO_PIN)
        try:
            config = enroll(store, url, server_store.create_enrollment(worker), data_dir,
                            label="demo")
            with SyncClient(store, config) as client:
                result = client.sync()  # the team and workers, from the server
                if seed:
                    demo.seed(store, team_id=team, worker_ids=workers)
                    result = client.sync()
            refused = len(store.rejected())
            print(f"demo device {data_dir}: pushed {result.pushed}, pulled {result.pulled}, "
                  f"refused {refused}")
        finally:
            store.close()
