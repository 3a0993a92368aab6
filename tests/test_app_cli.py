"""``python -m app``: the UI is the default subcommand."""

from __future__ import annotations

from app import __main__ as cli


def test_ui_is_the_default(monkeypatch):
    seen = {}
    monkeypatch.setitem(cli.COMMANDS, "ui", (*cli.COMMANDS["ui"][:2],
                                             lambda args: seen.update(vars(args)) or 0))
    assert cli.main(["--web", "--port", "8555", "--data-dir", "/tmp/x"]) == 0
    assert seen == {"command": "ui", "web": True, "port": 8555, "data_dir": "/tmp/x"}
    assert cli.main(["ui"]) == 0 and seen["web"] is False
