"""Devices and people for a team lead: who has which device, when it last synced, new codes.

Every function here blocks (HTTP): call it off the event loop.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

import segno

from app.services.conflicts import parse_time
from app.sync.team import DEFAULT_HOURS, TeamLead


@dataclass(frozen=True)
class DeviceRow:
    id: str
    label: str
    last_seen: datetime | None
    revoked: bool
    own: bool
    """The device this app runs on (a lead does not revoke it from here)."""
    refused: int = 0
    """Refused changes the device holds set aside, as it last told the server."""


@dataclass(frozen=True)
class WorkerRow:
    id: str
    name: str
    role: str
    devices: list[DeviceRow]


@dataclass(frozen=True)
class Ticket:
    code: str
    expires: datetime | None
    qr_png: bytes


def load(lead: TeamLead, own_device: str = "") -> list[WorkerRow]:
    """The workers of the lead's teams by name, each with their devices (active ones first)."""
    out = []
    for w in lead.devices():
        devices = [DeviceRow(d["id"], d.get("label") or "", parse_time(d.get("last_seen")),
                             bool(d.get("revoked")), d["id"] == own_device,
                             int(d.get("refused") or 0))
                   for d in w.get("devices", [])]
        devices.sort(key=lambda d: (d.revoked, d.label.casefold(), d.id))
        out.append(WorkerRow(w["id"], w["name"], w["role"], devices))
    return sorted(out, key=lambda w: (w.name.casefold(), w.id))


def qr_png(text: str, scale: int = 8) -> bytes:
    """``text`` as a QR code, PNG bytes (error correction M; a quiet zone of 4 modules)."""
    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def new_code(lead: TeamLead, worker: str, hours: float = DEFAULT_HOURS) -> Ticket:
    """A one-time enrollment code for a new device of ``worker``, with its QR code."""
    answer = lead.new_enrollment(worker, hours)
    return Ticket(answer["code"], parse_time(answer.get("expires")), qr_png(answer["code"]))


def revoke(lead: TeamLead, device: str) -> None:
    lead.revoke(device)
