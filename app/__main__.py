"""``python -m app``: the UI by default; other subcommands register in ``COMMANDS``.

    python -m app [--web] [--port N] [--data-dir DIR]      the app (UI)
    python -m app ui --web --port 8550                     the same, explicitly
    python -m app enroll --server URL --code CODE          exchange a code for a device token
    python -m app sync                                     sync once, print a summary
    python -m app demo                                     sync server + demo data + the app
    python -m app report --from D --to D [--pdf F] [--csv-dir D] [--personal]   PDF and CSV
    python -m app selftest --data-dir D [--server URL --code C]   store + sync check, JSON verdict
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable
from typing import Any


def _ui_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--web", action="store_true", help="serve in the browser (web mode)")
    p.add_argument("--port", type=int, default=0, help="port of the web server (0: any free)")
    p.add_argument("--data-dir", default=None, help="where the local database lives")


def ui(args: argparse.Namespace) -> int:
    from app.main import run

    run(web=args.web, port=args.port, data_dir=args.data_dir)
    return 0


def _cli(name: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        from app import cli

        return getattr(cli, f"{name}_cmd")(args)
    return run


def _cli_args(name: str) -> Callable[[argparse.ArgumentParser], None]:
    def add(p: argparse.ArgumentParser) -> None:
        from app import cli

        getattr(cli, f"{name}_args", cli._data_dir)(p)
    return add


def _from(module: str, name: str) -> Callable[[Any], Any]:
    """``module.name``, imported only when the subcommand is used (so typed as it is there)."""
    def call(arg: Any) -> Any:
        return getattr(importlib.import_module(module), name)(arg)
    return call


COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None],
                          Callable[[argparse.Namespace], int]]] = {
    "ui": ("start the app (default)", _ui_args, ui),
    "enroll": ("enroll this device on a sync server", _cli_args("enroll"), _cli("enroll")),
    "sync": ("sync once and print a summary", _cli_args("sync"), _cli("sync")),
    "demo": ("start the sync server with demo data, and the app", _cli_args("demo"),
             _cli("demo")),
    "report": ("period report (PDF) and CSV export", _from("app.report_cli", "report_args"),
               _from("app.report_cli", "report_cmd")),
    "selftest": ("open, write, read, merge and sync; write a JSON verdict",
                 _from("app.selftest", "args"), _from("app.selftest", "cmd")),
}
"""name → (help, add its arguments, run it). Add a subcommand by adding an entry."""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m app", description="Wijkweb")
    sub = p.add_subparsers(dest="command")
    for name, (help_, add_args, _) in COMMANDS.items():
        add_args(sub.add_parser(name, help=help_))
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in COMMANDS and argv[0] not in ("-h", "--help"):
        argv.insert(0, "ui")  # the UI is the default subcommand
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request is noise
    return COMMANDS[args.command][2](args)


if __name__ == "__main__":
    sys.exit(main())
