"""Real app stores syncing with a real server over HTTP on 127.0.0.1, with faults on demand.

``Fleet`` enrolls app devices (a ``Store`` + ``SyncClient`` each) on a ``Harness`` server; the
``fleet`` fixture gives one on a fresh server, and ``make_conflict`` two devices that edited one
field at the same time.
``FaultyTransport`` sits under a real ``SyncClient``: it drops requests, loses responses after
the server acted on them, delivers requests twice, and cuts responses off mid-body.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.store import Store
from app.sync import errors
from app.sync.client import RequestRetry, SyncClient, enroll
from app.sync.config import DeviceConfig
from wijkweb_protocol import DELETED, KINDS


class FaultyTransport(httpx.BaseTransport):
    """A real HTTP transport that misbehaves with probability ``rate`` per request."""

    FAULTS = ("drop_request", "lose_response", "duplicate", "truncate")

    def __init__(self, rnd: random.Random, rate: float = 0.0):
        self.inner = httpx.HTTPTransport()
        self.rnd = rnd
        self.rate = rate
        self.log: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        fault = self.rnd.choice(self.FAULTS) if self.rnd.random() < self.rate else None
        self.log.append(fault or "ok")
        if fault == "drop_request":
            raise httpx.ConnectError("injected: request dropped", request=request)
        response = self.inner.handle_request(request)
        body = response.read()  # decoded: the gzip layer is done here
        if fault == "lose_response":
            raise httpx.ReadError("injected: response lost", request=request)
        if fault == "duplicate":
            response = self.inner.handle_request(request)
            body = response.read()
        headers = [(k, v) for k, v in response.headers.items()
                   if k.lower() not in ("content-length", "content-encoding")]
        if fault == "truncate":
            body = body[: max(1, len(body) // 2)]
        return httpx.Response(response.status_code, headers=headers, content=body)

    def close(self) -> None:
        self.inner.close()


@dataclass
class AppDevice:
    store: Store
    config: DeviceConfig
    data_dir: Path
    transport: FaultyTransport | None = None

    def client(self, **kw: Any) -> SyncClient:
        kw.setdefault("retry", RequestRetry(attempts=4, sleep=lambda s: None))
        return SyncClient(self.store, self.config, transport=self.transport, **kw)

    def sync(self, **kw: Any) -> Any:
        with self.client(**kw) as c:
            return c.sync()

    def try_sync(self, **kw: Any) -> bool:
        """A sync that may fail under faults; True when it went through."""
        try:
            self.sync(**kw)
            return True
        except errors.Offline:
            return False

    @property
    def team(self) -> str:
        return self.config.teams[0]

    def state(self) -> dict[tuple[str, str], dict[str, Any]]:
        """Every live row, (kind, id) → field values: what a user of this device can see."""
        out = {}
        for kind in KINDS:
            for row_id, values in self.store.all_rows(kind).items():
                if not values[DELETED]:
                    out[(kind, row_id)] = values
        return out


@dataclass
class Fleet:
    harness: Any
    tmp: Path
    devices: list[AppDevice] = field(default_factory=list)

    def device(self, teams: list[str], role: str = "street_coach",
               transport: FaultyTransport | None = None) -> AppDevice:
        n = len(self.devices)
        worker = self.harness.store.add_worker(f"Medewerker {n}", role, teams)
        code = self.harness.store.create_enrollment(worker)
        data_dir = self.tmp / f"device-{n}"
        store = Store(data_dir / "wijkweb.sqlite")
        config = enroll(store, self.harness.url, code, data_dir)
        dev = AppDevice(store, config, data_dir, transport)
        self.devices.append(dev)
        return dev

    def close(self) -> None:
        for d in self.devices:
            d.store.close()
            if d.transport:
                d.transport.close()


@pytest.fixture
def fleet(make_server: Any, tmp_path: Path) -> Any:
    f = Fleet(make_server(), tmp_path)
    yield f
    f.close()


def make_conflict(fleet: Fleet, team: str) -> tuple[AppDevice, AppDevice, str]:
    """Two coaches change one household's street while apart, then both sync: a conflict."""
    a, b = fleet.device([team]), fleet.device([team])
    rid = a.store.create("household", team, {"name": "Fam. Bakker", "street": "Lindelaan"})
    a.sync()
    b.sync()
    a.store.update("household", rid, {"street": "Esdoornstraat"})
    b.store.update("household", rid, {"street": "Pleinweg"})
    for dev in (a, b, a):
        dev.sync()
    return a, b, rid
