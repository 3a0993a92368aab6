"""Each team's storage policy, and the storage class each device reports.

A device keeps its database under SQLCipher (``sqlcipher``) where the binding exists, else in
its app sandbox under the operating system's file encryption only (``os``: Android and iOS
until the SQLCipher recipe is built; docs/device-security.md). A team requires encrypted
storage unless its administrator allows ``os`` (``admin team-policy TEAM --allow-os-storage``):
a device reporting ``os`` then gets ``403 storage_policy`` at enrollment, and its code stays
valid for when the policy changes. The device reports its class in the enrollment body
(``storage``) and on every sync (the ``Wijkweb-Storage`` header); the team lead sees it in the
device list.

Both live in the ``meta`` table (``policy.os_storage.<team>``, ``storage.<device>``), so no
schema change is needed on SQLite or PostgreSQL. The class is what the device says about
itself: the policy keeps an honest app from storing a team's data the way the team ruled out;
it is no defence against a tampered client (which holds the data decrypted anyway).
"""

from __future__ import annotations

import json
import weakref
from typing import Any

from sync_server import auth
from sync_server.errors import Refusal, bad_request, not_found
from sync_server.store import ServerStore

STORAGE_CLASSES = ("sqlcipher", "os")
DEFAULT_STORAGE = "sqlcipher"
"""What a device that says nothing has: every app before this field had SQLCipher."""
_ALLOW = "policy.os_storage."
_DEVICE = "storage."
_known: weakref.WeakKeyDictionary[ServerStore, dict[str, str]] = weakref.WeakKeyDictionary()
"""Per store, the class each device last reported: a sync writes only when it changes."""


def storage_class(value: object) -> str:
    """The reported class (``sqlcipher`` when absent); 400 ``bad_storage`` when unknown."""
    if value is None or value == "":
        return DEFAULT_STORAGE
    if value not in STORAGE_CLASSES:
        raise bad_request(f"'storage' must be one of {', '.join(STORAGE_CLASSES)}.",
                          code="bad_storage")
    return str(value)


def set_team_policy(store: ServerStore, team: str, allow_os: bool) -> None:
    """Allow (or, the default, refuse) devices with storage class ``os`` in ``team``."""
    with store._write() as db:
        store._require_team(db, team)
        if allow_os:
            db.execute("INSERT INTO meta VALUES (?, 'allow') ON CONFLICT (key) DO NOTHING",
                       (_ALLOW + team,))
        else:
            db.execute("DELETE FROM meta WHERE key = ?", (_ALLOW + team,))


def team_policies(store: ServerStore) -> dict[str, bool]:
    """Team id → True when it requires encrypted storage (every team, unless allowed)."""
    allowed = set(store.meta_under(_ALLOW))
    return {t["id"]: t["id"] not in allowed for t in store.teams()}


def check_enrollment(store: ServerStore, code: str, storage: str) -> None:
    """Refuse a device with ``storage`` when a team of the code's worker requires encryption.

    An unknown, used or expired code passes here: ``store.redeem_enrollment`` refuses it as before.
    """
    if storage != "os":
        return
    with store._read() as db:
        found = db.execute("SELECT teams FROM enrollments WHERE code_hash = ? AND used_at IS "
                           "NULL", (auth.code_digest(code),)).fetchone()
    if found is None:
        return
    teams = set(json.loads(found[0]))
    requiring = sorted(t for t, required in team_policies(store).items()
                       if required and t in teams)
    if requiring:
        raise Refusal("Your team requires encrypted storage, and this device can only keep "
                      "its data under the system's own encryption. Use another device, or ask "
                      "your administrator about the team's policy.", code="storage_policy",
                      storage=storage)


def record(store: ServerStore, device: str, storage: str) -> None:
    """Note the class ``device`` reported (written only when it changed)."""
    known = _known.setdefault(store, {})
    if known.get(device) == storage:
        return
    if store.meta_value(_DEVICE + device) != storage:
        store.put_meta(_DEVICE + device, storage)
    known[device] = storage


def device_storage(store: ServerStore) -> dict[str, str]:
    """Device id → its reported storage class (devices that never said: ``sqlcipher``)."""
    return store.meta_under(_DEVICE)


def add_admin_parser(cmds: Any) -> None:
    """``admin team-policy TEAM [--require-encrypted-storage | --allow-os-storage]``."""
    p = cmds.add_parser("team-policy", help="show or set a team's storage policy (default: "
                        "encrypted storage required)")
    p.add_argument("team")
    choice = p.add_mutually_exclusive_group()
    choice.add_argument("--require-encrypted-storage", dest="allow_os", action="store_false",
                        default=None, help="refuse devices that keep data under OS protection "
                        "only (storage class os)")
    choice.add_argument("--allow-os-storage", dest="allow_os", action="store_true",
                        help="also enroll devices without SQLCipher (phones, for now)")


def admin(store: ServerStore, args: Any) -> str:
    """Run ``team-policy``; prints the team's policy as it is afterwards."""
    if args.allow_os is not None:
        set_team_policy(store, args.team, args.allow_os)
    policies = team_policies(store)
    if args.team not in policies:
        raise not_found(f"There is no team '{args.team}'.")
    required = policies[args.team]
    return f"{args.team}: " + ("encrypted storage required (sqlcipher)" if required
                               else "os storage allowed (sqlcipher or os)")
