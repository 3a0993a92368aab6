"""Small JSON files beside the database, written the way a power cut cannot half-write them."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


class DamagedFile(RuntimeError):
    """The file is there but holds no JSON object (a disk fault, or someone changed it)."""

    def __init__(self, path: Path):
        super().__init__(f"{path.name} is damaged")
        self.path = path


def read_json(path: Path) -> dict[str, Any] | None:
    """The file's object; None when it is absent; ``DamagedFile`` when it is no JSON object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError among them
        raise DamagedFile(path) from None
    if not isinstance(data, dict):
        raise DamagedFile(path)
    return data


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Temp file, fsync, rename, fsync the folder; readable by this user only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
