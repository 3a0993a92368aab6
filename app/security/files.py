"""Small JSON files beside the database, written the way a power cut cannot half-write them."""

from __future__ import annotations

import json
import os
import tempfile
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
    """Temp file, fsync, rename, fsync the folder; readable by this user only.

    Each write has a temp file of its own: two writers at once (two processes on one data
    folder, e.g. the app and a scheduled ``python -m app sync``) must not write into one temp
    file, where one could rename the other's half-written file into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:  # mkstemp: mode 0600
            json.dump(data, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
