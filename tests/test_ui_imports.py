"""``app/ui`` without an import circle: the shell gets the route table handed in
(``App(..., make_screen)``), screens import neither the shell nor the route table, and the
imports between the modules of ``app/ui`` form no cycle. Imports under ``if TYPE_CHECKING:``
(type hints only) do not count; imports inside functions do (a late import hides a circle, it
does not break it)."""

from __future__ import annotations

import ast
from pathlib import Path

UI = Path(__file__).resolve().parent.parent / "app" / "ui"
PACKAGE = "app.ui"


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _ui_imports(source: str) -> set[str]:
    """The ``app.ui`` modules ``source`` imports at run time (``from app.ui import x`` counts
    as ``app.ui.x`` when ``x`` is a module of the package)."""
    modules = {p.stem for p in UI.glob("*.py")}
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import):
                found.update(a.name for a in child.names if a.name.startswith(PACKAGE + "."))
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                if child.module == PACKAGE:
                    found.update(f"{PACKAGE}.{a.name}" for a in child.names
                                 if a.name in modules)
                elif child.module.startswith(PACKAGE + "."):
                    found.add(child.module)
            visit(child)

    visit(ast.parse(source))
    return found


def _graph() -> dict[str, set[str]]:
    return {f"{PACKAGE}.{p.stem}": _ui_imports(p.read_text(encoding="utf-8"))
            for p in sorted(UI.glob("*.py")) if p.stem != "__init__"}


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle of ``graph`` as a path (first module repeated at the end), or []."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def walk(module: str) -> list[str]:
        state[module] = 1
        path.append(module)
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 1:
                return [*path[path.index(target):], target]
            if target not in state and (found := walk(target)):
                return found
        path.pop()
        state[module] = 2
        return []

    for module in sorted(graph):
        if module not in state and (found := walk(module)):
            return found
    return []


def test_the_imports_inside_app_ui_form_no_cycle():
    assert _cycle(_graph()) == []


def test_only_the_route_table_imports_the_shell_and_nothing_in_app_ui_imports_the_table():
    graph = _graph()
    shell_users = sorted(m for m, targets in graph.items() if f"{PACKAGE}.shell" in targets)
    table_users = sorted(m for m, targets in graph.items() if f"{PACKAGE}.routes" in targets)
    assert shell_users == [f"{PACKAGE}.routes"]
    assert table_users == []


def test_the_shell_imports_no_screen():
    assert _graph()[f"{PACKAGE}.shell"] <= {f"{PACKAGE}.{m}" for m in
                                           ("handlers", "theme", "widgets")}


def test_the_checker_sees_a_cycle_and_a_late_import():
    """The test above could fail: a late import inside a function closes a circle."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycle(graph) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) == []
    source = ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
              "    from app.ui.shell import App\n"
              "def f():\n    from app.ui.routes import make_screen\n"
              "from app.ui import theme, nothing\n")
    assert _ui_imports(source) == {"app.ui.routes", "app.ui.theme"}
