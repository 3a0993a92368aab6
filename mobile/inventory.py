"""Writes ``mobile/flet-mobile-index.toml``: which Android/iOS wheels Flet's mobile index holds.

Flet's mobile index (pypi.flet.dev) is built from the recipes of the public repository
flet-dev/mobile-forge, one ``recipes/<name>/meta.yaml`` per package. The index is not reachable
from every machine, the recipes are: this reads every version a recipe ever named (a wheel once
published stays on the index) from a git clone, and records the commit and date it read.

    git clone https://github.com/flet-dev/mobile-forge /tmp/mobile-forge
    python mobile/inventory.py /tmp/mobile-forge > mobile/flet-mobile-index.toml
"""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime

_VERSION = re.compile(r"^\s*version:\s*[\"']?([0-9][^\"'\s#]*)", re.MULTILINE)


def _git(repo: str, *args: str) -> str:
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True,
                          text=True).stdout


def versions(repo: str) -> dict[str, set[str]]:
    """Recipe name → every version its meta.yaml named, over the whole history."""
    found: dict[str, set[str]] = {}
    for commit in _git(repo, "rev-list", "--all", "--", "recipes").split():
        listing = _git(repo, "ls-tree", "-r", "--name-only", commit, "recipes")
        for path in listing.split():
            parts = path.split("/")
            if len(parts) == 3 and parts[2] == "meta.yaml":
                text = _git(repo, "show", f"{commit}:{path}")
                # a recipe may pick its version per Python (Jinja comments): take every one
                found.setdefault(parts[1], set()).update(_VERSION.findall(text))
    return found


def render(repo: str) -> str:
    head, date = _git(repo, "log", "-1", "--format=%H %cs").split()
    lines = [
        "# Flet's mobile wheels (Android, iOS), as named by the recipes of flet-dev/mobile-forge.",
        "# Written by mobile/inventory.py; read by mobile/check.py. Versions: every one a recipe",
        "# named on any branch of the repository. The recipes do not say for which Python each",
        "# version was built: e.g. pydantic-core 2.33.2 was the recipe for Python 3.12 and 3.13",
        "# and was bumped to 2.47.0 because 2.33.2 does not build for 3.14 (commit 33fecda).",
        'source = "https://github.com/flet-dev/mobile-forge"',
        f'commit = "{head}"',
        f'commit_date = "{date}"',
        f'read_on = "{datetime.now(UTC).date().isoformat()}"',
        "",
        "[packages]",
    ]
    for name, vers in sorted(versions(repo).items()):
        listed = ", ".join(f'"{v}"' for v in sorted(vers, key=_key))
        lines.append(f'"{name}" = [{listed}]')
    return "\n".join(lines) + "\n"


def _key(version: str) -> tuple:
    return tuple(int(p) if p.isdigit() else -1 for p in re.split(r"[.+-]", version))


if __name__ == "__main__":
    sys.stdout.write(render(sys.argv[1]))
