"""The sync client: push the outbox, pull the feed, over one narrow HTTP seam.

``SyncClient`` speaks the protocol of ``sync_server`` through an ``httpx.Client`` whose transport
can be swapped (tests put a faulty one under a real client). Every step is safe to repeat: the
outbox loses a change only in the transaction that records the server's ack, and a pulled page
is applied together with its cursor, so a connection cut at any point costs a retry, never data.
"""

from __future__ import annotations

import gzip
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from app.store import Store, cipher
from app.sync import errors, exports_log
from app.sync.config import DeviceConfig
from wijkweb_protocol import (
    KINDS,
    MAX_FUTURE_MS,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    SCHEMA_HEADER,
    STORAGE_HEADER,
    decode_hlc,
)

USER_AGENT = "wijkweb-app/0.1"
RESEND_REASONS = frozenset({"server_restored", "other_server"})
"""Reset reasons that mean the server's database went back in time (a restored backup; a
second restore of one backup is ``other_server``: its timeline is a sibling, not an ancestor).
Acknowledged changes may be lost there, so the device re-sends its own registers. A token only
works on a copy of the database that enrolled it, so ``other_server`` is always such a copy."""


REFUSED_REPORTED = "sync.refused_reported"
"""Meta key: the number of refused changes last reported to the server."""


@dataclass
class SyncResult:
    pushed: int = 0
    pulled: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    resets: int = 0
    resent: int = 0
    """Rows queued again because the server lost them (restored from a backup)."""


@dataclass
class RequestRetry:
    """How one HTTP request is retried when it may pass (offline, busy, 5xx): ``attempts``
    tries, exponential waits with full jitter capped at ``cap`` s. (A whole round that failed
    is retried by the runner, ``app.sync.runner.retry_delay``; wrong PINs are slowed down by
    ``app.security.pin_lockout``.)"""

    attempts: int = 5
    base: float = 0.25
    cap: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    rand: Callable[[], float] = random.random

    def delay(self, attempt: int, floor: float = 0.0) -> float:
        """The wait before retry ``attempt``: at least ``floor`` (the server's Retry-After, at
        most ``cap``), plus full jitter, so that a crowd told "in 1 s" does not come back in
        the same millisecond."""
        return min(floor, self.cap) + self.rand() * min(self.cap, self.base * 2**attempt)


class SyncClient:
    """Syncs one ``Store`` with the server named in its ``DeviceConfig``."""

    def __init__(self, store: Store, config: DeviceConfig,
                 transport: httpx.BaseTransport | None = None, *, batch: int = 500,
                 page: int = 1000, timeout: float = 30.0, retry: RequestRetry | None = None,
                 on_progress: Callable[[int, int], None] | None = None):
        self.store = store
        self.config = config
        self.batch = batch
        self.page = page
        self.retry = retry or RequestRetry()
        self.on_progress = on_progress
        self.changed: dict[str, set[str]] = {}
        """Rows the pulls of this client changed here, ids by kind (see ``Store.apply_remote``);
        kept on the client, not the result, so a round that fails half-way still names them."""
        self.http = httpx.Client(
            base_url=config.server.rstrip("/"), transport=transport, timeout=timeout,
            headers={"Authorization": f"Bearer {config.token}", PROTOCOL_HEADER:
                     str(PROTOCOL_VERSION), SCHEMA_HEADER: str(store.schema_version),
                     STORAGE_HEADER: cipher.STORAGE, "User-Agent": USER_AGENT,
                     "Accept-Encoding": "gzip"})

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ the whole round

    def sync(self, wait: float = 0) -> SyncResult:
        """Push everything, then pull until the feed is exhausted; record the outcome."""
        result = SyncResult()
        try:
            self.push(result)
            self.pull(result, wait=wait)
            if result.resent:  # the restored server gets back what it lost, in this round
                self.push(result)
                self.pull(result)
            self.report_exports()
            self.report_refused()
        except errors.SyncError as err:
            self.store.set_meta("sync.last_error", err.code)
            raise
        with self.store.transaction(durable=False):  # a status line, not a record
            self.store.set_meta("sync.last_success",
                                datetime.now(UTC).isoformat(timespec="seconds"))
            self.store.set_meta("sync.last_error", "")
        return result

    # ------------------------------------------------------------------ push

    def push(self, result: SyncResult | None = None) -> SyncResult:
        result = result or SyncResult()
        size, restamped = self.batch, False
        while True:
            heads, changes = self.store.outbox_wire(limit=size)
            if not heads:
                return result
            body = (f'{{"device":{json.dumps(self.config.device)},'
                    f'"epoch":{json.dumps(self.store.push_epoch)},"changes":{changes}}}')
            try:
                answer = self.call("POST", "/v1/push", body)
            except errors.EpochStale:
                self.store.start_push_epoch()  # our database was restored: number afresh
                continue
            except errors.Gap:
                self.store.start_push_epoch()  # the server lost what it had acked: send it again
                continue
            except errors.ClockSkew as err:
                if restamped or not self._clock_now_sane(err):
                    raise
                self.store.restamp_outbox(err.detail["server_time"])
                restamped = True
                continue
            except errors.BadRequest as err:
                if err.code == "batch_too_large" and size > 1:
                    size = max(1, size // 2)
                    continue
                index = err.detail.get("index")
                if not isinstance(index, int) or not 0 <= index < len(heads):
                    raise
                seq, tx = heads[index]  # one unusable change must not wedge the rest
                named = err.detail.get("field")
                self.store.reject_tx(tx, err.code, str(err),
                                     named if isinstance(named, str) else None)
                result.rejected.append({"seq": seq, "code": err.code, "message": str(err)})
                self.store.start_push_epoch()
                continue
            rejected = answer.get("rejected", [])
            # never past this batch: seqs after it were not sent (see docs/api.md, Push)
            through = min(int(answer["acked"]), heads[-1][0])
            self.store.ack(through, rejected, answer.get("purged", ()))
            result.pushed += len(heads) - len(rejected)
            result.rejected.extend(rejected)

    def _clock_now_sane(self, err: errors.ClockSkew) -> bool:
        """Re-stamping helps only once this device's wall clock agrees with the server's."""
        server = err.detail.get("server_time")
        if not isinstance(server, str):
            return False
        server_ms, _ = decode_hlc(server[:16])
        return abs(time.time() * 1000 - server_ms) < MAX_FUTURE_MS

    # ------------------------------------------------------------------ pull

    def pull(self, result: SyncResult | None = None, wait: float = 0) -> SyncResult:
        result = result or SyncResult()
        while True:
            params: dict[str, Any] = {"cursor": self.store.meta("cursor") or "",
                                      "limit": self.page}
            if wait:
                params["wait"] = wait
            try:
                answer = self.call("GET", "/v1/pull", params=params)
            except errors.ResetRequired as err:
                if result.resets:
                    raise
                result.resets += 1
                if err.detail.get("reason") in RESEND_REASONS:
                    result.resent += self.store.resend_own()
                self.store.forget_synced_rows()  # unsent changes stay in the outbox
                for kind in KINDS:
                    self.changed.setdefault(kind, set())
                continue
            rows = answer["rows"]
            self.store.apply_remote(rows, cursor=answer["cursor"], teams=answer.get("teams"),
                                    into=self.changed)
            result.pulled += len(rows)
            if self.on_progress:
                self.on_progress(result.pulled, result.pulled + (self.page if answer["more"]
                                                                 else 0))
            if not answer["more"]:
                return result
            wait = 0

    # ------------------------------------------------------------------ the audit log

    def report_exports(self) -> int:
        """Tell the server's audit log about exports made since the last sync, oldest first."""
        sent = 0
        for entry in exports_log.pending(self.store):
            try:
                self.call("POST", "/v1/audit/export", entry)
            except (errors.Forbidden, errors.BadRequest):
                pass  # refused for good (the device left that team): must not wedge the queue
            sent += 1
            exports_log.done(self.store, 1)
        return sent

    def report_refused(self) -> bool:
        """Tell the server how many refused changes this device holds set aside, when that
        number changed since the last report (a team lead sees it per device). True if sent."""
        count = self.store.rejected_count()
        if self.store.meta(REFUSED_REPORTED) == str(count):
            return False
        try:
            self.call("POST", "/v1/device/refused", {"count": count})
        except (errors.Forbidden, errors.BadRequest):
            pass  # an older server without the endpoint: nothing to tell it, nothing lost
        with self.store.transaction(durable=False):  # said again if lost
            self.store.set_meta(REFUSED_REPORTED, str(count))
        return True

    # ------------------------------------------------------------------ the seam

    def call(self, method: str, path: str, body: Any = None,
             params: dict[str, Any] | None = None) -> dict[str, Any]:
        """One request to the server as this device (its token, its retries); the one seam
        through which the round and the team lead's calls (``app.sync.team``) reach the
        server. Returns the answer's JSON object; raises ``SyncError``."""
        return exchange(self.http, self.retry, method, path, body, params)


def exchange(http: httpx.Client, retry: RequestRetry, method: str, path: str,
             body: Any = None, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """One request with retries for what may pass (offline, busy, 5xx); raises SyncError.

    The only place the app speaks HTTP: ``SyncClient.call`` for an enrolled device, ``enroll``
    before it has a token."""
    content = None
    headers = {}
    if body is not None:
        text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
        content = gzip.compress(text.encode(), 5)
        headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    for attempt in range(retry.attempts):
        try:
            return _once(http, method, path, content, headers, params)
        except errors.SyncError as err:
            if not err.retryable or attempt == retry.attempts - 1:
                raise
            floor = float(err.detail.get("retry_after", 0.0))  # the server's Retry-After
            retry.sleep(retry.delay(attempt, floor))
    raise AssertionError("unreachable")


def _once(http: httpx.Client, method: str, path: str, content: bytes | None,
          headers: dict[str, str], params: dict[str, Any] | None) -> dict[str, Any]:
    try:
        resp = http.request(method, path, content=content, headers=headers, params=params)
        data = resp.json() if resp.content else {}
    except (httpx.TransportError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise errors.Offline(type(exc).__name__) from exc  # cut off mid-way: try again
    if resp.status_code >= 400 or not isinstance(data, dict):
        body = data if isinstance(data, dict) else {}
        raise errors.from_response(resp.status_code, body, resp.headers.get("Retry-After"))
    return data


def enroll(store: Store, server: str, code: str, data_dir: Any,
           transport: httpx.BaseTransport | None = None, label: str = "") -> DeviceConfig:
    """Exchange a one-time enrollment code for this device's token; save it beside the store."""
    body = {"code": code.strip(), "device": store.device, "label": label,
            "storage": cipher.STORAGE}
    with httpx.Client(base_url=server.rstrip("/"), transport=transport, timeout=30,
                      headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION),
                               "User-Agent": USER_AGENT}) as http:
        data = exchange(http, RequestRetry(attempts=1), "POST", "/v1/enroll", body)
    config = DeviceConfig(server=server.rstrip("/"), device=data["device"], token=data["token"],
                          worker=data["worker"], role=data["role"], teams=list(data["teams"]))
    config.save(data_dir, store.data_key)
    with store.transaction():
        store.set_meta("worker_id", config.worker)
        store.set_meta("role", config.role)
        if config.teams:
            store.set_meta("team_id", config.teams[0])
    return config
