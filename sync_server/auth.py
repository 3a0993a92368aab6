"""Secrets for devices: bearer tokens and one-time enrollment codes.

Only SHA-256 digests are stored, so a copy of the database (a backup on a USB stick) does not
let anyone sync as a device. Codes use an alphabet without look-alikes because a team lead reads
them aloud or types them from paper.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata

ROLES = ("street_coach", "caretaker", "youth_worker", "community_officer", "social_worker",
         "team_lead", "administrator")
TEAM_LEAD = "team_lead"
ADMINISTRATOR = "administrator"
"""Manages teams, workers and every device over the API; reads resident data only of the teams
it is a member of (usually none), like any worker."""

DEVICE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
"""What a device may call itself at enrollment: it then names its stamps and audit entries.
A letter or digit first, so no device is called ``-`` (the log's sign for nobody)."""
SERVER_DEVICE = "server"
"""The device name in the server's own stamps; no real device may take it."""
RESERVED_DEVICES = frozenset({SERVER_DEVICE, "admin-cli", "admin", "cli", "system", "root",
                              "anonymous", "unknown", "nobody"})
"""Names of the server's own actors (and words that read as one), refused in any case: a
device called ``SERVER`` or ``Admin-CLI`` would pass for the server in the audit log."""
MAX_LABEL = 64
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_CODE_GROUPS, _CODE_GROUP_LEN = 3, 4


def new_token() -> str:
    """A bearer token: 256 random bits, URL-safe text."""
    return secrets.token_urlsafe(32)


def new_code() -> str:
    """An enrollment code like ``K7QP-2MXD-9HRT`` (60 random bits; one-time and short-lived)."""
    chars = "".join(secrets.choice(_CODE_ALPHABET)
                    for _ in range(_CODE_GROUPS * _CODE_GROUP_LEN))
    return "-".join(chars[i:i + _CODE_GROUP_LEN] for i in range(0, len(chars), _CODE_GROUP_LEN))


def normalize_code(code: str) -> str:
    """Forgive case, spaces and dashes: people type codes from paper."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def code_digest(code: str) -> str:
    return digest(normalize_code(code))


def valid_device_id(device: object) -> bool:
    return isinstance(device, str) and DEVICE_RE.fullmatch(device) is not None


def reserved_device_id(device: str) -> bool:
    return device.casefold() in RESERVED_DEVICES


def clean_text(text: str, limit: int) -> str:
    """A name or label fit to show in lists and logs: control, format (bidi overrides and
    isolates, zero-width and direction marks), private-use and unassigned characters and line
    separators dropped, runs of white space made one space, at most ``limit`` characters."""
    kept = "".join(ch for ch in text if unicodedata.category(ch) not in _HIDDEN)
    return " ".join(kept.split())[:limit].strip()
