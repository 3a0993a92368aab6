"""Conflicts and history for a team lead: what the server recorded, in words a person reads.

A conflict is two concurrent edits of one plain field: the later one (``kept``) overwrote the
other (``other``). The lead keeps the value that stands (the conflict is marked reviewed) or
restores the overwritten one: an ordinary local edit that syncs like any other, then marked
reviewed. List fields merge as sets and make no conflicts; a conflict of one recorded before
(protocol 1) says which items it lost (``lost``), and restoring adds those back.

Every function here blocks (HTTP, SQLite): call it off the event loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.store import Store
from app.sync.config import DeviceConfig
from app.sync.team import TeamLead
from wijkweb_protocol import DELETED, KINDS, LIST, ProtocolError, present, split_stamp

SERVER_DEVICE = "server"


def open_lead(store: Store, data_dir: str | Path | None) -> TeamLead:
    """A ``TeamLead`` for this device; ``NotEnrolled`` when it has no enrollment."""
    config = DeviceConfig.load(data_dir, store.data_key) if data_dir is not None else None
    return TeamLead(store, config)


@dataclass(frozen=True)
class Side:
    value: Any
    device: str
    who: str
    """The worker's name (or the device id when the device is not in the lead's teams)."""


@dataclass(frozen=True)
class ConflictRow:
    id: int
    kind: str
    row_id: str
    field: str
    kept: Side
    other: Side
    at: datetime | None
    label: str
    """The record as people know it (a name), or "" when this device does not hold it."""

    @property
    def restorable(self) -> bool:
        """A delete/undelete is not restored from here: it is a field like no other. A list
        conflict is restored by adding back what it lost: nothing lost, nothing to restore."""
        return self.field != DELETED and (not self.is_list or bool(self.lost))

    @property
    def is_list(self) -> bool:
        return KINDS.get(self.kind, {}).get(self.field) == LIST

    @property
    def lost(self) -> list[str]:
        """Of a list field: the items only the overwritten list held."""
        kept = self.kept.value if isinstance(self.kept.value, list) else []
        other = self.other.value if isinstance(self.other.value, list) else []
        return [item for item in other if item not in kept]


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime | None
    who: str
    field: str
    value: Any
    """For a list field: the items this change added (a protocol-1 change: the whole list)."""
    removed: tuple[str, ...] = ()
    """For a list field: the items this change removed."""


def device_names(workers: list[dict[str, Any]]) -> dict[str, str]:
    """Device id → its worker's name, from ``TeamLead.devices()``."""
    return {d["id"]: w["name"] for w in workers for d in w.get("devices", [])}


def _device_of(register: Any) -> str:
    stamp = register[1] if isinstance(register, list) and len(register) > 1 else ""
    try:
        return split_stamp(stamp)[1]
    except ProtocolError:  # no stamp: no device to name
        return ""


def _side(register: Any, names: dict[str, str]) -> Side:
    device = _device_of(register)
    value = register[0] if isinstance(register, list) and register else None
    return Side(value, device, names.get(device, device))


def parse_time(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _label(store: Store, kind: str, row_id: str) -> str:
    values = store.values(kind, row_id) or {}
    for name in ("name", "group_label", "street", "title"):
        if isinstance(values.get(name), str) and values[name]:
            return values[name]
    return ""


def load(store: Store, lead: TeamLead) -> list[ConflictRow]:
    """The unreviewed conflicts of the lead's teams, newest first, with who wrote each value."""
    names = device_names(lead.devices())
    out = [ConflictRow(int(c["id"]), c["kind"], c["row_id"], c["field"],
                       _side(c["winner"], names), _side(c["loser"], names), parse_time(c["at"]),
                       _label(store, c["kind"], c["row_id"]))
           for c in lead.conflicts()]
    return sorted(out, key=lambda c: c.id, reverse=True)


def keep_current(lead: TeamLead, conflict: ConflictRow) -> None:
    """The value that stands stays: only mark the conflict reviewed."""
    lead.review(conflict.id)


def restore_other(store: Store, lead: TeamLead, conflict: ConflictRow) -> bool:
    """Write the other value back as a normal edit (it syncs), then mark the conflict reviewed.

    False when this device does not hold the record (not synced yet, or deleted): nothing is
    written and the conflict stays open.
    """
    if not conflict.restorable or store.values(conflict.kind, conflict.row_id) is None:
        return False
    values = store.values(conflict.kind, conflict.row_id) or {}
    if values.get(DELETED):
        return False
    if conflict.is_list:  # add back what was lost; what others added since stays
        store.add_to_list(conflict.kind, conflict.row_id, conflict.field, conflict.lost)
    else:
        store.update(conflict.kind, conflict.row_id, {conflict.field: conflict.other.value})
    lead.review(conflict.id)
    return True


def history(lead: TeamLead, kind: str, row_id: str,
            names: dict[str, str] | None = None) -> list[HistoryEntry]:
    """Every accepted change of a record, one entry per field, oldest first."""
    if names is None:
        names = device_names(lead.devices())
    data = lead.history(kind, row_id)
    out = []
    for change in data.get("changes", []):
        who = names.get(change["device"], change["device"])
        for field, register in sorted(change["fields"].items()):
            value = register[0] if isinstance(register, list) and register else None
            removed: tuple[str, ...] = ()
            if isinstance(value, dict):  # a list field's adds and removes
                removed = tuple(x for x, adds in value.items() if x not in present({x: adds}))
                value = present(value)
            out.append(HistoryEntry(parse_time(change.get("at")), who, field, value, removed))
    return out
