"""``python -m app selftest``: does the app's core work on this platform? A JSON verdict says.

    python -m app selftest --data-dir D [--server URL --code CODE] [--verdict FILE]

Opens (or makes) the store in ``D`` behind a PIN (``WIJKWEB_PIN``, else a fixed self-test
PIN: ``D`` is the self-test's own directory), enrolls with ``CODE`` when ``--server`` is given
and ``D`` is not enrolled yet, writes a resident, reads it back, merges a newer and an older
remote value into it (the newer wins, the older is ignored), and syncs: everything pushed,
nothing left in the outbox. Each step is recorded with what it saw; the verdict (with the
storage class, Python and platform) goes to ``FILE`` (default ``D/selftest.json``) and, as one
``WIJKWEB_SELFTEST {json}`` line, to stdout, where a device's log shows it. Exit status 0 only
when every step passed.

On a device the packaged app runs it at start when ``WIJKWEB_SELFTEST=1`` (``main.py``), with
``WIJKWEB_SELFTEST_SERVER`` and ``WIJKWEB_SELFTEST_CODE``: from the environment (the iOS
simulator passes ``SIMCTL_CHILD_*`` variables) or from ``wijkweb-selftest.env`` (``KEY=VALUE``
lines) beside ``main.py``, which the CI workflow writes before it builds a test APK (Android
gives an app no environment). ``.github/workflows/mobile.yml`` reads the verdict.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.security import Vault
from app.store import Store, cipher, default_data_dir
from app.sync.client import SyncClient, enroll
from app.sync.config import DeviceConfig
from wijkweb_protocol import make_stamp, new_id, stamp_ms

PIN = "135790"
VERDICT = "selftest.json"
ENV = "WIJKWEB_SELFTEST"
ENV_FILE = "wijkweb-selftest.env"
NAME = "Zelftest"


def args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", default=None, help="the self-test's own data dir")
    p.add_argument("--server", default=None, help="sync server URL to sync with")
    p.add_argument("--code", default=None, help="enrollment code (first run with --server)")
    p.add_argument("--verdict", default=None, help="where the JSON verdict goes")


def cmd(ns: argparse.Namespace) -> int:
    data_dir = Path(ns.data_dir or Path(default_data_dir()) / "selftest")
    verdict = run(data_dir, ns.server, ns.code, Path(ns.verdict) if ns.verdict else None)
    return 0 if verdict["ok"] else 1


def from_environment(env_file: Path = Path(__file__).parent.parent / ENV_FILE) -> None:
    """Run on a device when ``WIJKWEB_SELFTEST=1`` (read by ``main.py`` before the UI starts)."""
    env = dict(os.environ)
    if env_file.is_file():
        lines = env_file.read_text().splitlines()
        pairs = (line.partition("=") for line in lines if "=" in line)
        env.update((key, value) for key, _, value in pairs)
    if env.get(ENV) == "1":
        run(Path(default_data_dir()) / "selftest", env.get(f"{ENV}_SERVER") or None,
            env.get(f"{ENV}_CODE") or None)


def run(data_dir: Path, server: str | None = None, code: str | None = None,
        verdict_path: Path | None = None) -> dict[str, Any]:
    """Every step in order (a failed step ends the run); the verdict, also written out."""
    steps: list[dict[str, Any]] = []
    state: dict[str, Any] = {}

    def step(name: str, action: Callable[[], str]) -> bool:
        try:
            steps.append({"step": name, "ok": True, "detail": action()})
        except Exception as exc:  # noqa: BLE001 - the verdict names any failure
            steps.append({"step": name, "ok": False, "detail": f"{type(exc).__name__}: {exc}",
                          "where": traceback.format_exc(limit=3).splitlines()[-3:]})
            return False
        return True

    data_dir.mkdir(parents=True, exist_ok=True)
    plan: list[tuple[str, Callable[[], str]]] = [("open", lambda: _open(data_dir, state))]
    if server:
        plan.append(("enroll", lambda: _enroll(state["store"], server, code, data_dir)))
    plan += [("write", lambda: _write(state)), ("read", lambda: _read(state)),
             ("merge", lambda: _merge(state))]
    if server:
        plan.append(("sync", lambda: _sync(state["store"], data_dir)))
    all(step(name, action) for name, action in plan)
    if "store" in state:
        state["store"].close()
    verdict = {"ok": len(steps) == len(plan) and all(s["ok"] for s in steps),
               "storage": cipher.STORAGE, "python": platform.python_version(),
               "platform": f"{platform.system()} {platform.machine()}", "steps": steps,
               "finished_at": datetime.now(UTC).isoformat(timespec="seconds")}
    path = verdict_path or data_dir / VERDICT
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(verdict, indent=1))
    os.replace(tmp, path)
    print(f"{ENV} {json.dumps(verdict)}", flush=True)
    return verdict


def _open(data_dir: Path, state: dict[str, Any]) -> str:
    vault = Vault(data_dir)
    pin = os.environ.get("WIJKWEB_PIN") or PIN
    state["store"] = vault.unlock(pin) if vault.is_set_up else vault.set_up(pin)
    return f"storage {cipher.STORAGE}, schema {state['store'].schema_version}"


def _enroll(store: Store, server: str, code: str | None, data_dir: Path) -> str:
    if DeviceConfig.exists(data_dir):
        return "enrolled before"
    if not code:
        raise ValueError("--code is needed to enroll on the first run")
    config = enroll(store, server, code, data_dir, label="selftest")
    return f"device {config.device}, {len(config.teams)} team(s)"


def _write(state: dict[str, Any]) -> str:
    store: Store = state["store"]
    team = store.meta("team_id") or new_id()
    state["team"], state["id"] = team, store.create("resident", team, {"name": NAME})
    return f"resident written, {store.pending_count()} change(s) in the outbox"


def _read(state: dict[str, Any]) -> str:
    found = (state["store"].values("resident", state["id"]) or {}).get("name")
    if found != NAME:
        raise AssertionError(f"read back {found!r}")
    return "read back"


def _merge(state: dict[str, Any]) -> str:
    """A newer remote value wins over the local one; an older one after it changes nothing."""
    store: Store = state["store"]
    now = stamp_ms(store.clock.stamp())
    newer, older = (make_stamp(f"{ms:012x}0000", "selftest-peer") for ms in (now + 60_000, 1))
    merged = f"{NAME} (samengevoegd)"
    for value, stamp in ((merged, newer), ("verouderd", older)):
        store.apply_remote([{"kind": "resident", "id": state["id"], "team": state["team"],
                             "fields": {"name": [value, stamp]}}])
    found = (store.values("resident", state["id"]) or {}).get("name")
    if found != merged:
        raise AssertionError(f"after merging: {found!r}")
    return "newer remote value won, older one ignored"


def _sync(store: Store, data_dir: Path) -> str:
    config = DeviceConfig.load(data_dir, store.data_key)
    if config is None:
        raise ValueError("not enrolled")
    with SyncClient(store, config) as client:
        result = client.sync()
    if store.pending_count() or result.rejected:
        raise AssertionError(f"{store.pending_count()} pending, {len(result.rejected)} rejected")
    return f"pushed {result.pushed}, pulled {result.pulled}, nothing pending"
