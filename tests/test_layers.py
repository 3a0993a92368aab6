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
    assert not [(p.name, m) for p in ROOT.glob("sync_server/**/*.py")
                for m, _ in _imports(p) if _top(m) == "app"]


def test_the_server_needs_only_the_standard_library_but_for_postgresql():
    """psycopg is the PostgreSQL backend's driver, imported only for a postgresql:// address."""
    outside = {(p.name, m) for p in ROOT.glob("sync_server/**/*.py") for m, _ in _imports(p)
               if _top(m) not in sys.stdlib_module_names
               and _top(m) not in ("sync_server", "wijkweb_protocol")}
    assert outside <= {("pg_backend.py", "psycopg"), ("pg_backend.py", "psycopg.rows")}, outside


def test_the_protocol_package_needs_only_the_standard_library():
    outside = {m for p in ROOT.glob("wijkweb_protocol/**/*.py") for m, _ in _imports(p)
               if _top(m) not in sys.stdlib_module_names and _top(m) != "wijkweb_protocol"}
    assert not outside, outside


# ---------------------------------------------------------------- the layers inside app/

# Top to bottom; a layer may import its own package and the layers below it, never one above
# it nor another package of its own rank. Screens reach store and sync only through services.
# Where security and i18n sit: ARCHITECTURE.md, section 1.
LAYER_RANK = {
    "entry": 6,        # app/*.py: main, cli, demo, selftest, report_cli … (may import anything)
    "ui": 5,
    "services": 4,
    "vault": 4,        # app.security (the package) and app.security.vault: PIN → open store
    "sync": 3,
    "store": 2,
    "domain": 1,
    "i18n": 1,
    "security": 1,     # app.security's primitives: files, sealed, keyslot, pin_lockout
    "protocol": 1,     # wijkweb_protocol
}
UI_SKIPS = {"sync", "store"}  # below services, but not for screens
SECURITY_PRIMITIVES = {"files", "sealed", "keyslot", "pin_lockout"}


def _layer(module: str) -> str | None:
    """The layer of a dotted module name (None: outside the app and the protocol)."""
    parts = module.split(".")
    if parts[0] == "wijkweb_protocol":
        return "protocol"
    if parts[0] != "app":
        return None
    if len(parts) == 1 or (ROOT / "app" / f"{parts[1]}.py").is_file():
        return "entry"
    if parts[1] == "security":
        return "security" if len(parts) > 2 and parts[2] in SECURITY_PRIMITIVES else "vault"
    return parts[1] if parts[1] in LAYER_RANK else None


def _module_of(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolved(node: ast.ImportFrom | ast.Import, here: str, is_package: bool) -> list[str]:
    """The modules an import statement names: ``from app.store import cipher`` is
    ``app.store.cipher``, ``from app.store import Store`` is ``app.store``."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = here.split(".")[: len(here.split(".")) - node.level + (1 if is_package else 0)]
        base = ".".join([*package, *([node.module] if node.module else [])])
    out = []
    for alias in node.names:
        sub = ROOT.joinpath(*base.split("."), alias.name)
        out.append(f"{base}.{alias.name}" if sub.is_dir() or sub.with_suffix(".py").is_file()
                   else base)
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _runtime_imports(source: str, here: str, is_package: bool = False) -> list[tuple[str, int]]:
    """``(module, line)`` of every import in module ``here`` that runs: at module level or
    inside a function, but not under ``if TYPE_CHECKING:`` (annotations only)."""
    out: list[tuple[str, int]] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                for rest in child.orelse:
                    visit_one(rest)
                continue
            visit_one(child)

    def visit_one(child: ast.AST) -> None:
        if isinstance(child, ast.Import | ast.ImportFrom):
            out.extend((m, child.lineno) for m in _resolved(child, here, is_package))
        visit(child)

    visit(ast.parse(source))
    return out


def _allowed(source: str, target: str) -> bool:
    if source == target or source == "entry":
        return True
    if source == "ui" and target in UI_SKIPS:
        return False
    return LAYER_RANK[target] < LAYER_RANK[source]


def _against_layers(source: str, here: str, is_package: bool = False) -> list[tuple[int, str]]:
    """``(line, module imported)`` of every run-time import of module ``here`` against the
    layer order."""
    layer = _layer(here)
    assert layer is not None, f"{here} is in no layer; add its package to LAYER_RANK"
    return [(line, module) for module, line in _runtime_imports(source, here, is_package)
            if (target := _layer(module)) is not None and not _allowed(layer, target)]


def layer_violations() -> list[tuple[str, int, str]]:
    """``(file, line, module imported)`` of every run-time import in app/ against the layers."""
    return [(str(path.relative_to(ROOT)), line, module)
            for path in sorted(ROOT.glob("app/**/*.py"))
            for line, module in _against_layers(path.read_text(encoding="utf-8"),
                                                _module_of(path), path.name == "__init__.py")]


def test_every_app_module_imports_only_down_the_layers():
    """ui → services → sync → store → domain, i18n, security primitives, protocol (ARCHITECTURE.md
    section 1): a lower layer never imports a higher one, screens never import store or sync."""
    assert layer_violations() == []


def test_the_layer_check_sees_what_it_must():
    """The resolver behind the layer test: imported names that are modules count as those
    modules, function-level imports count, imports under TYPE_CHECKING do not."""
    assert _layer("app.security.sealed") == "security" and _layer("app.security") == "vault"
    assert _layer("app.cli") == "entry" and _layer("app.ui.shell") == "ui"
    assert _layer("wijkweb_protocol.clock") == "protocol" and _layer("flet") is None
    code = ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from app.ui import shell\n"
            "from app.security import sealed, Vault\n"
            "def f():\n    import app.services.sync\n"
            "from .. import store\nfrom . import client\n")
    assert _runtime_imports(code, "app.sync.probe") == [
        ("typing", 1), ("app.security.sealed", 4), ("app.security", 4),
        ("app.services.sync", 6), ("app.store", 7), ("app.sync.client", 8)]
    assert _against_layers(code, "app.sync.probe") == [(4, "app.security"),
                                                       (6, "app.services.sync")]
    assert _against_layers("import app.store.queries\nimport app.domain\n", "app.ui.x") == [
        (1, "app.store.queries")]
    assert _against_layers("from app import cli\n", "app.services.x") == [(1, "app.cli")]
