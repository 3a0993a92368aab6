"""``python -m app selftest`` against a real sync server: the verdict a device run is read by."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from server_fixtures import ROOT

if TYPE_CHECKING:
    from server_fixtures import Harness

pytest_plugins = ["server_fixtures"]


def _selftest(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("WIJKWEB_PIN", None)
    return subprocess.run([sys.executable, "-m", "app", "selftest", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_selftest_syncs_with_a_real_server_and_writes_its_verdict(tmp_path: Path,
                                                                  server: Harness) -> None:
    team = server.team()
    code = server.store.create_enrollment(server.store.add_worker("Zelf", "street_coach", [team]))
    data, verdict_file = tmp_path / "selftest", tmp_path / "verdict.json"
    done = _selftest("--data-dir", str(data), "--server", server.url, "--code", code,
                     "--verdict", str(verdict_file))
    assert done.returncode == 0, done.stdout + done.stderr
    verdict = json.loads(verdict_file.read_text())
    assert verdict["ok"] is True and verdict["storage"] == "sqlcipher"
    assert [s["step"] for s in verdict["steps"]] == ["open", "enroll", "write", "read", "merge",
                                                      "sync"]
    assert "nothing pending" in verdict["steps"][-1]["detail"]
    line = next(x for x in done.stdout.splitlines() if x.startswith("WIJKWEB_SELFTEST "))
    assert json.loads(line.split(" ", 1)[1]) == verdict
    with sqlite3.connect(server.db_path) as db:  # the server holds what the device pushed
        assert db.execute("SELECT count(*) FROM rows WHERE kind = 'resident' AND team = ?",
                          (team,)).fetchone()[0] == 1
    again = _selftest("--data-dir", str(data), "--server", server.url)  # enrolled: no code
    assert again.returncode == 0, again.stdout + again.stderr
    assert json.loads((data / "selftest.json").read_text())["steps"][1]["detail"] == (
        "enrolled before")


def test_a_failing_step_gives_a_failing_verdict(tmp_path: Path) -> None:
    done = _selftest("--data-dir", str(tmp_path / "d"), "--server", "http://127.0.0.1:9",
                     "--code", "NOPE-NOPE")
    assert done.returncode == 1
    verdict = json.loads((tmp_path / "d" / "selftest.json").read_text())
    assert verdict["ok"] is False
    assert [(s["step"], s["ok"]) for s in verdict["steps"]] == [("open", True), ("enroll", False)]
    assert "Offline" in verdict["steps"][1]["detail"]


def test_a_device_runs_it_from_the_bundled_env_file(tmp_path: Path, server: Harness,
                                                     monkeypatch) -> None:  # noqa: ANN001
    """Android gives the app no environment: the CI writes ``wijkweb-selftest.env`` instead."""
    from app import selftest

    team = server.team()
    code = server.store.create_enrollment(server.store.add_worker("Dev", "street_coach", [team]))
    env_file = tmp_path / selftest.ENV_FILE
    env_file.write_text(f"WIJKWEB_SELFTEST=1\nWIJKWEB_SELFTEST_SERVER={server.url}\n"
                        f"WIJKWEB_SELFTEST_CODE={code}\n")
    monkeypatch.delenv("WIJKWEB_PIN", raising=False)
    monkeypatch.setenv("FLET_APP_STORAGE_DATA", str(tmp_path / "app-data"))
    selftest.from_environment(env_file)
    verdict = json.loads((tmp_path / "app-data" / "selftest" / "selftest.json").read_text())
    assert verdict["ok"] is True and verdict["steps"][-1]["step"] == "sync"
