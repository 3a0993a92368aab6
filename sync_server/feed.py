"""The pull feed's cursor and row rendering.

A cursor is opaque to clients: urlsafe base64 of ``{"e": server epoch, "p": {team: version}}``.
Positions are per team so that a device which joins a team later still receives that team's
older rows (from version 0) while its other teams continue where they were.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from sync_server.errors import ApiError, bad_request

RESET_MESSAGE = "Download everything again: the server cannot continue from this cursor."


def encode_cursor(epoch: str, positions: dict[str, int]) -> str:
    raw = json.dumps({"e": epoch, "p": positions}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, epoch: str, previous_epoch: str = "") -> dict[str, int]:
    """Team positions of ``cursor`` ({} for none); 400 ``bad_cursor``, 410 for another epoch."""
    if not cursor:
        return {}
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data: Any = json.loads(raw)
    except (ValueError, binascii.Error, RecursionError):
        raise bad_request("The cursor is not one this server made.", code="bad_cursor") from None
    positions = data.get("p") if isinstance(data, dict) else None
    if (not isinstance(data, dict) or not isinstance(data.get("e"), str)
            or not isinstance(positions, dict)
            or not all(type(v) is int and v >= 0 for v in positions.values())):
        raise bad_request("The cursor is not one this server made.", code="bad_cursor")
    if data["e"] != epoch:
        restored = previous_epoch and data["e"] == previous_epoch
        raise reset_required("server_restored" if restored else "other_server")
    return positions


def reset_required(reason: str) -> ApiError:
    """410: the client must drop its synced rows and pull from the start (keeping its outbox)."""
    return ApiError(410, "reset_required", RESET_MESSAGE, reason=reason)


def render_row(kind: str, row_id: str, team: str, fields: str, purged: int) -> str:
    """One feed row as JSON text; ``fields`` is spliced in unparsed (kind and ids are ASCII)."""
    if purged:
        return f'{{"kind":"{kind}","id":"{row_id}","team":"{team}","purged":true}}'
    return f'{{"kind":"{kind}","id":"{row_id}","team":"{team}","fields":{fields}}}'
