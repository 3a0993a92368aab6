"""The device's enrollment, kept in its own file beside (never inside) the record database.

Holding the token outside the database means a database restored from a backup cannot bring
back a revoked token, and wiping records leaves the enrollment to decide on its own. The token
is sealed with the store's data key (``app.security.sealed``): a copy of ``device.json`` without
the PIN cannot sync. A file from before, with the token in clear, is sealed on the first load
with the key (``Vault`` does it at unlock). Only a store opened without a key (tests, benches)
keeps a token in clear.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from app.security.files import write_json
from app.security.sealed import Unsealable, seal, unseal

CONFIG_NAME = "device.json"
_PURPOSE = b"device token"


class TokenLocked(RuntimeError):
    """The token is sealed and no data key was given: unlock the store first."""


@dataclass
class DeviceConfig:
    server: str
    device: str
    token: str
    worker: str
    role: str
    teams: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, data_dir: str | Path, key: bytes | None = None) -> DeviceConfig | None:
        """The enrollment, or None; ``key`` unseals the token (and seals one still in clear).

        ``TokenLocked`` for a sealed token without a key. A token sealed under another key (a
        file copied from another device) or changed is no enrollment: None.
        """
        path = Path(data_dir) / CONFIG_NAME
        if not path.exists():
            return None
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        sealed = data.pop("token_sealed", None)
        if sealed is not None:
            if key is None:
                raise TokenLocked("the device token is sealed: unlock the store first")
            try:
                data["token"] = unseal(key, sealed, _PURPOSE).decode("utf-8")
            except (Unsealable, UnicodeDecodeError):
                return None
            return cls(**data)
        config = cls(**data)
        if key is not None:  # a file from before tokens were sealed
            config.save(data_dir, key)
        return config

    def save(self, data_dir: str | Path, key: bytes | None = None) -> None:
        """Write atomically and readable by this user only (``write_json``: a temp file of each
        write's own, so two writers at once cannot break it); the token sealed with ``key``
        (in clear only without one)."""
        data: dict[str, Any] = asdict(self)
        if key is not None:
            data["token_sealed"] = seal(key, data.pop("token").encode("utf-8"), _PURPOSE)
        write_json(Path(data_dir) / CONFIG_NAME, data)

    @staticmethod
    def exists(data_dir: str | Path) -> bool:
        return (Path(data_dir) / CONFIG_NAME).exists()

    @staticmethod
    def remove(data_dir: str | Path) -> None:
        (Path(data_dir) / CONFIG_NAME).unlink(missing_ok=True)
