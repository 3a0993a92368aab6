"""Without the SQLCipher binding and without flet-web (a phone today), the app still imports and
runs: storage class ``os``, a plain SQLite file in the app's data dir behind the same PIN lock,
and an enrollment the team's default policy refuses with ``storage_policy``.

The run is a subprocess whose import system refuses ``sqlcipher3`` and ``flet_web`` the way a
phone without their wheels would (``ModuleNotFoundError``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from sync_server import policy

if TYPE_CHECKING:
    from server_fixtures import Harness

pytest_plugins = ["server_fixtures"]
ROOT = Path(__file__).resolve().parent.parent

BLOCKER = """
import importlib.abc, sys
class Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("sqlcipher3", "flet_web"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, Absent())
"""

SCRIPT = BLOCKER + textwrap.dedent("""
    import json, sqlite3, sys
    from pathlib import Path
    import app.main
    from app.security import WrongPin
    from app.store import cipher
    from app.sync import errors
    from app.sync.client import enroll

    data_dir, server, code = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    out = {"storage": cipher.STORAGE, "flet_web": "flet_web" in sys.modules}
    vault = app.main.vault(data_dir)
    store = vault.set_up("246810")
    rid = store.create("resident", "1b4e28ba-2fa1-11d2-883f-0016d3cca427", {"name": "Ayse"})
    vault.close()
    with open(vault.db_path, "rb") as f:
        out["plain_sqlite"] = f.read(16) == b"SQLite format 3\\x00"
    try:
        vault.unlock("000000")
    except WrongPin:
        out["wrong_pin_refused"] = True
    store = vault.unlock("246810")
    out["read_back"] = store.values("resident", rid)["name"]
    try:
        enroll(store, server, code, data_dir)
    except errors.SyncError as err:
        out["enroll"] = err.code
    else:
        out["enroll"] = "ok"
    print(json.dumps(out))
""")


def _run(tmp_path: Path, url: str, code: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "data"), url, code],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_without_sqlcipher_and_flet_web_the_app_runs_with_os_storage(tmp_path: Path,
                                                                     server: Harness) -> None:
    team = server.team()
    code = server.store.create_enrollment(server.store.add_worker("Ans", "street_coach", [team]))
    out = _run(tmp_path, server.url, code)
    assert out["storage"] == "os" and out["flet_web"] is False
    assert out["plain_sqlite"] is True and out["read_back"] == "Ayse"
    assert out["wrong_pin_refused"] is True
    assert out["enroll"] == "storage_policy"  # the team's default: encrypted storage required


def test_a_team_that_allows_os_storage_enrolls_the_phone(tmp_path: Path,
                                                         server: Harness) -> None:
    team = server.team()
    policy.set_team_policy(server.store, team, allow_os=True)
    code = server.store.create_enrollment(server.store.add_worker("Bo", "street_coach", [team]))
    assert _run(tmp_path, server.url, code)["enroll"] == "ok"
    assert policy.device_storage(server.store) == {
        d["id"]: "os" for d in server.store.devices()}
