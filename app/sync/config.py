"""The device's enrollment, kept in its own file beside (never inside) the record database.

Holding the token outside the database means a database restored from a backup cannot bring
back a revoked token, and wiping records leaves the enrollment to decide on its own.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

CONFIG_NAME = "device.json"


@dataclass
class DeviceConfig:
    server: str
    device: str
    token: str
    worker: str
    role: str
    teams: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, data_dir: str | Path) -> DeviceConfig | None:
        path = Path(data_dir) / CONFIG_NAME
        if not path.exists():
            return None
        return cls(**json.loads(path.read_text(encoding="utf-8")))

    def save(self, data_dir: str | Path) -> None:
        """Write atomically (temp file + rename) and readable by this user only."""
        path = Path(data_dir) / CONFIG_NAME
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(asdict(self), f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    @staticmethod
    def remove(data_dir: str | Path) -> None:
        (Path(data_dir) / CONFIG_NAME).unlink(missing_ok=True)
