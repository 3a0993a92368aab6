"""Headless commands of the app: enroll, sync once, and the demo that ``make run`` starts.

    python -m app enroll --server URL --code CODE [--data-dir DIR]
    python -m app sync [--data-dir DIR]               one round; prints a summary; exit 1 on error
    python -m app demo [--port 8550] [--server-port 8765]   sync server + demo data + the app
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path

from app.store import Store, default_data_dir
from app.sync import errors
from app.sync.client import SyncClient, enroll
from app.sync.config import DeviceConfig

DEMO_DIR = Path("var/demo")


def _data_dir(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", default=None, help="where the local database lives")


def enroll_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--server", required=True, help="sync server URL, e.g. http://127.0.0.1:8765")
    p.add_argument("--code", required=True, help="one-time enrollment code from the team lead")
    _data_dir(p)


def enroll_cmd(args: argparse.Namespace) -> int:
    data_dir = Path(args.data_dir or default_data_dir())
    store = Store.open_default(data_dir)
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
    config = DeviceConfig.load(data_dir)
    if config is None:
        print("not enrolled: run 'python -m app enroll' first", file=sys.stderr)
        return 1
    store = Store.open_default(data_dir)
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
    """The whole product on its embedded defaults: a sync server on SQLite with a demo team,
    and the app enrolled on it with months of demo work, served to a browser on localhost."""
    from app import demo
    from app.main import run
    from sync_server.server import SyncServer
    from sync_server.store import ServerStore

    root = Path(args.dir)
    app_dir = root / "app"
    root.mkdir(parents=True, exist_ok=True)
    server_store = ServerStore(root / "server.db")
    server = SyncServer(server_store, "127.0.0.1", args.server_port)
    threading.Thread(target=server.serve_forever, name="sync-server", daemon=True).start()
    print(f"sync server: {server.url} (database {root / 'server.db'})")
    if DeviceConfig.load(app_dir) is None:
        team = server_store.add_team("Team Oostwijk")
        workers = [server_store.add_worker(name, role, [team]) for name, role in demo.WORKERS]
        code = server_store.create_enrollment(workers[0])
        store = Store.open_default(app_dir)
        enroll(store, server.url, code, app_dir, label="demo")
        demo.seed(store, team_id=team, worker_ids=workers)
        with SyncClient(store, DeviceConfig.load(app_dir)) as client:
            result = client.sync()
        print(f"demo data: {result.pushed} records recorded and synced")
        store.close()
    print(f"the app: http://127.0.0.1:{args.port}")
    try:
        run(web=True, port=args.port, data_dir=app_dir)
    finally:
        server.stop()
        server_store.close()
    return 0
