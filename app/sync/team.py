"""A team lead's calls to the server: conflicts, history, devices and enrollment codes.

Every call goes through ``SyncClient.call``, the one HTTP seam: the same retries and the same
mapping of the server's codes onto ``app.sync.errors`` (``Offline``, ``Forbidden`` …). These are
online-only reads and admin actions; nothing here touches the outbox.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from app.store import Store
from app.sync import errors
from app.sync.client import RequestRetry, SyncClient
from app.sync.config import DeviceConfig

DEFAULT_HOURS = 24


class TeamLead:
    """One team lead's view of the server. Use as a context manager (it owns an HTTP client)."""

    def __init__(self, store: Store, config: DeviceConfig | None,
                 transport: httpx.BaseTransport | None = None, *,
                 retry: RequestRetry | None = None, timeout: float = 15.0):
        if config is None:
            raise errors.NotEnrolled("This device is not enrolled.")
        self.client = SyncClient(store, config, transport, timeout=timeout,
                                 retry=retry or RequestRetry(attempts=2))

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> TeamLead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ conflicts and history

    def conflicts(self, include_reviewed: bool = False) -> list[dict[str, Any]]:
        path = "/v1/conflicts?all=1" if include_reviewed else "/v1/conflicts"
        return list(self.client.call("GET", path)["conflicts"])

    def review(self, conflict_id: int) -> dict[str, Any]:
        return self.client.call("POST", f"/v1/conflicts/{int(conflict_id)}/review")

    def history(self, kind: str, row_id: str) -> dict[str, Any]:
        path = f"/v1/history/{quote(kind, safe='')}/{quote(row_id, safe='')}"
        return self.client.call("GET", path)

    # ------------------------------------------------------------------ devices and people

    def devices(self) -> list[dict[str, Any]]:
        """Workers of the lead's teams, each with ``devices`` (id, label, last_seen, revoked)."""
        return list(self.client.call("GET", "/v1/team/devices")["workers"])

    def new_enrollment(self, worker: str, hours: float = DEFAULT_HOURS) -> dict[str, Any]:
        """``{"code", "expires"}``: a one-time code for a new device of ``worker``."""
        return self.client.call("POST", "/v1/team/enrollments", {"worker": worker, "hours": hours})

    def revoke(self, device: str) -> dict[str, Any]:
        return self.client.call("POST", f"/v1/team/devices/{quote(device, safe='')}/revoke")
