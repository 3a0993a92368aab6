"""What travels: the protocol version and headers, one pushed change, one pulled row."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wijkweb_protocol.clock import split_stamp, stamp_ms
from wijkweb_protocol.errors import ProtocolError
from wijkweb_protocol.schema import DELETED, KINDS, check_value, is_uuid
from wijkweb_protocol.sets import shown, written_by

PROTOCOL_VERSION = 2
"""2: list fields travel as add-wins sets (items maps); 1 sent them as whole lists."""
PROTOCOL_HEADER = "Wijkweb-Protocol"


SCHEMA_HEADER = "Wijkweb-Schema"
"""The app's local schema version (``PRAGMA user_version``); absent means 1, the first release."""
STORAGE_HEADER = "Wijkweb-Storage"
"""How the device keeps its database: ``sqlcipher`` or ``os`` (sync_server/policy.py)."""
EXPORTS = ("report_pdf", "report_csv", "handover_pdf", "review_export")
"""What the app may say it exported (``POST /v1/audit/export``), for the server's audit log."""


@dataclass(frozen=True)
class Change:
    """One row's changed fields, as a device pushes it.

    ``fields`` maps a field name to ``[value, stamp]`` or ``[value, stamp, base]`` where
    ``base`` is the stamp of the value the writer saw before its edit (``None`` for a new
    field); the server uses it to tell a concurrent edit from a sequential one. A list field's
    value is an items map holding only what the write adds and removes.
    """

    kind: str
    id: str
    team: str
    fields: dict[str, list[Any]]
    seq: int = 0
    tx: int = 0

    def to_wire(self) -> dict[str, Any]:
        return {"seq": self.seq, "tx": self.tx, "kind": self.kind, "id": self.id,
                "team": self.team, "fields": self.fields}


@dataclass
class Row:
    """The merged state of one row: what the pull feed carries and a store keeps."""

    kind: str
    id: str
    team: str
    fields: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def deleted(self) -> bool:
        reg = self.fields.get(DELETED)
        return bool(reg and reg[0])

    def values(self) -> dict[str, Any]:
        return {name: shown(reg[0]) for name, reg in self.fields.items()}


def parse_change(data: Any, device: str | None = None) -> Change:
    """Validate one pushed change and return it; raise ``ProtocolError`` with a precise code.

    With ``device`` given, every stamp must name that device: a device cannot write in
    another's name.
    """
    if not isinstance(data, dict):
        raise ProtocolError("bad_change", "A change must be a JSON object.")
    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        raise ProtocolError("unknown_kind", "The change names a kind this server does not know.")
    row_id, team = data.get("id"), data.get("team")
    if not is_uuid(row_id):
        raise ProtocolError("bad_id", "A row id must be a UUID in its canonical text form.")
    if not is_uuid(team):
        raise ProtocolError("bad_team", "A change must name its team by UUID.")
    seq, tx = data.get("seq", 0), data.get("tx", 0)
    if not (_is_count(seq) and _is_count(tx)):
        raise ProtocolError("bad_seq", "'seq' and 'tx' must be non-negative integers.")
    fields = data.get("fields")
    if not isinstance(fields, dict) or not fields:
        raise ProtocolError("bad_fields", "A change must carry at least one field.")
    known = KINDS[kind]
    for name, reg in fields.items():
        if name != DELETED and name not in known:
            raise ProtocolError("unknown_field", f"Kind '{kind}' has no field '{name}'.",
                                field=name)
        if not isinstance(reg, list) or len(reg) not in (2, 3):
            raise ProtocolError("bad_register", "A field must be [value, stamp] or "
                                "[value, stamp, base].", field=name)
        check_value(kind, name, reg[0])
        hlc, writer = split_stamp(reg[1])
        if device is not None and writer != device:
            raise ProtocolError("bad_stamp", "A stamp names another device.", field=name)
        if isinstance(reg[0], dict) and not written_by(reg[0], hlc, writer):
            raise ProtocolError("bad_items", "A list field's change may add only in its "
                                "writer's name, remove only what was added, and name no "
                                "clock past its stamp.", field=name)
        if len(reg) == 3 and reg[2] is not None:
            split_stamp(reg[2])
    return Change(kind, row_id, team, fields, seq, tx)


def _is_count(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def newest_ms(change: Change) -> int:
    return max(stamp_ms(reg[1]) for reg in change.fields.values())
