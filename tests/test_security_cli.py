"""Headless commands on an encrypted device: the PIN comes from WIJKWEB_PIN or the terminal,
never from an argument; no PIN, a wrong one or a running back-off ends in one plain line."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import PIN_ENV, unlocked_store
from app.store import cipher

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def no_terminal(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))


def test_a_new_data_dir_takes_the_pin_from_the_environment(tmp_path, monkeypatch, no_terminal):
    monkeypatch.setenv(PIN_ENV, "735190")
    store = unlocked_store(tmp_path)
    store.set_meta("language", "en")
    store.close()
    assert not cipher.is_plain(tmp_path / "wijkweb.sqlite")
    again = unlocked_store(tmp_path)
    assert again.meta("language") == "en"
    again.close()


def test_a_wrong_pin_and_then_the_back_off_are_plain_messages(tmp_path, monkeypatch,
                                                              no_terminal):
    monkeypatch.setenv(PIN_ENV, "735190")
    unlocked_store(tmp_path).close()
    monkeypatch.setenv(PIN_ENV, "000000")
    messages = []
    for _ in range(5):
        with pytest.raises(SystemExit) as err:
            unlocked_store(tmp_path)
        messages.append(str(err.value.code))
    assert messages[:3] == ["wrong PIN"] * 3
    assert messages[3] == "wrong PIN; next try in 30 s"
    assert messages[4].startswith("too many wrong PINs; next try in")


def test_without_a_pin_or_a_terminal_the_command_says_what_to_do(tmp_path, monkeypatch,
                                                                 no_terminal):
    monkeypatch.delenv(PIN_ENV, raising=False)
    with pytest.raises(SystemExit, match=PIN_ENV):
        unlocked_store(tmp_path)
    assert not (tmp_path / "key.json").exists()


def test_the_real_report_command_refuses_without_a_pin(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != PIN_ENV}
    result = subprocess.run(
        [sys.executable, "-m", "app", "report", "--from", "2026-01-01", "--to", "2026-01-31",
         "--data-dir", str(tmp_path)], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().endswith(f"set {PIN_ENV} or run in a terminal")
    assert "Traceback" not in result.stderr
