"""Who may import whom: the app and the server share only ``wijkweb_protocol`` and never import
each other (the demo launcher, which starts a server beside two apps, is the one exception), and
the protocol package needs nothing but the standard library."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> list[tuple[str, str]]:
    """``(module imported, enclosing function or '')`` for every import in ``path``."""
    out: list[tuple[str, str]] = []

    def visit(node: ast.AST, where: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                out.extend((alias.name, where) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                out.append((child.module, where))
            inner = child.name if isinstance(child, ast.FunctionDef) else where
            visit(child, inner)

    visit(ast.parse(path.read_text(encoding="utf-8")), "")
    return out


def _top(module: str) -> str:
    return module.split(".", 1)[0]


def test_the_app_never_imports_the_server_but_for_the_demo_launcher():
    wrong = [(str(p.relative_to(ROOT)), m, fn) for p in ROOT.glob("app/**/*.py")
             for m, fn in _imports(p) if _top(m) == "sync_server"]
    assert wrong == [("app/cli.py", "sync_server.server", "start_demo"),
                     ("app/cli.py", "sync_server.store", "start_demo")]
    assert not [p for p in ROOT.glob("main.py") if any(_top(m) == "sync_server"
                                                      for m, _ in _imports(p))]


def test_the_server_never_imports_the_app():
    assert not [(p.name, m) for p in ROOT.glob("sync_server/*.py")
                for m, _ in _imports(p) if _top(m) == "app"]


def test_the_protocol_package_needs_only_the_standard_library():
    outside = {m for p in ROOT.glob("wijkweb_protocol/*.py") for m, _ in _imports(p)
               if _top(m) not in sys.stdlib_module_names and _top(m) != "wijkweb_protocol"}
    assert not outside, outside
