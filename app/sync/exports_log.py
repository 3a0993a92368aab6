"""Exports are made offline, but the server's audit log must learn who exported what.

Each export is queued in the device's store, in the same durable way as a record, and reported
to ``POST /v1/audit/export`` at the next sync; an entry leaves the queue only once the server has
recorded it (or refused it for good because the device lost that team).
"""

from __future__ import annotations

import json
from typing import Any

from app.store import Store
from wijkweb_protocol import EXPORTS

KEY = "audit.exports"


def queue(store: Store, what: str, count: int) -> None:
    """Remember that this device exported ``count`` records of its team (``what`` of EXPORTS; a
    PDF report counts 0: it holds figures, not records)."""
    if what not in EXPORTS:
        raise ValueError(f"unknown export kind {what!r}")
    team = store.meta("team_id")  # the device's team, written at enrollment (client.enroll)
    if not team:
        return  # a device that never joined a team has no server to tell
    with store.transaction():
        entries = pending(store)
        entries.append({"what": what, "team": team, "count": int(count)})
        store.set_meta(KEY, json.dumps(entries))


def pending(store: Store) -> list[dict[str, Any]]:
    return list(json.loads(store.meta(KEY) or "[]"))


def done(store: Store, count: int) -> None:
    """Drop the first ``count`` entries: the server has them."""
    with store.transaction():
        store.set_meta(KEY, json.dumps(pending(store)[count:]))
