"""The admin CLI: the operator's side of ``ServerStore``, one subcommand per method.

Safe to run while the server runs (SQLite serializes the writes). Errors go to stderr with
exit status 2, so scripts can tell a refusal from success.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Sequence
from typing import Any

from sync_server import policy, restore
from sync_server.auth import ROLES
from sync_server.backend import is_postgres
from sync_server.errors import Refusal
from sync_server.migrate_store import migrate_store
from sync_server.store import ServerStore
from wijkweb_protocol import retention


def add_parser(sub: Any) -> None:
    admin = sub.add_parser("admin", help="manage teams, workers, devices and data")
    admin.add_argument("--db", help="path of the server database (required)")
    cmds = admin.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = cmds.add_parser("team-add", help="create a team; prints its id")
    p.add_argument("name")
    cmds.add_parser("teams", help="list teams")
    policy.add_admin_parser(cmds)
    p = cmds.add_parser("worker-add", help="create a worker; prints its id")
    p.add_argument("--team", action="append", default=[],
                   help="team id (repeatable; none for an administrator, which holds no data)")
    p.add_argument("--name", required=True)
    p.add_argument("--role", required=True, choices=ROLES)
    p.add_argument("--email")
    cmds.add_parser("workers", help="list workers")
    for name, text in (("worker-join", "add a worker to a team"),
                       ("worker-leave", "take a worker out of a team")):
        p = cmds.add_parser(name, help=text)
        p.add_argument("worker")
        p.add_argument("team")
    p = cmds.add_parser("enroll", help="make a one-time enrollment code for a worker's device")
    p.add_argument("--worker", required=True)
    p.add_argument("--hours", type=float, default=24.0, help="validity (default 24)")
    cmds.add_parser("devices", help="list devices")
    p = cmds.add_parser("revoke", help="revoke a device's token")
    p.add_argument("device")
    p = cmds.add_parser("purge", help="erase a row everywhere (keeps only its id)")
    p.add_argument("kind")
    p.add_argument("id")
    p = cmds.add_parser("backup", help="write a consistent copy of the database")
    p.add_argument("dest")
    p = cmds.add_parser("restore", help="replace the database by a backup (server stopped)")
    p.add_argument("--from", dest="source", required=True, help="the backup file")
    p.add_argument("--db", default=argparse.SUPPRESS, help="path of the server database")
    p = cmds.add_parser("migrate-store", help="copy a SQLite database into an empty "
                        "PostgreSQL one (server stopped); devices sync on without a reset")
    p.add_argument("--from", dest="source", required=True, help="the SQLite database file")
    p.add_argument("--to", dest="target", required=True, help="postgresql://user@host/db")
    p = cmds.add_parser("conflicts", help="list conflicts")
    p.add_argument("--all", action="store_true", help="include reviewed ones")
    cmds.add_parser("compact", help="drop purge notices from the feed (devices re-download)")
    p = cmds.add_parser("erase-household",
                        help="erase a household and everything linked to it, everywhere")
    p.add_argument("id")
    p = cmds.add_parser("retention", help="households past their retention term (ids only)")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--report", action="store_true", help="list them")
    what.add_argument("--purge", action="store_true", help="erase them, as erase-household")
    p.add_argument("--rule", action="append", default=[], metavar="BASIS=YEARS",
                   type=_rule, help="another term for a legal basis (repeatable)")
    p = cmds.add_parser("audit", help="show the audit log (ids only), oldest first")
    p.add_argument("--team", action="append", help="only this team's entries (repeatable)")
    p.add_argument("--after", type=int, default=0, help="entries after this id")
    p.add_argument("--limit", type=int, default=1000)


def _rule(text: str) -> tuple[str, float]:
    basis, _, years = text.partition("=")
    try:
        value = float(years)
    except ValueError:
        value = -1.0
    if basis not in retention.RULES or not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(
            f"expected BASIS=YEARS with BASIS one of {', '.join(retention.RULES)}")
    return basis, value


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[str(h) for h in headers]] + [["" if v is None else str(v) for v in r]
                                             for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
                     for row in cells)


def _run(store: ServerStore, args: argparse.Namespace) -> str:
    cmd = args.command
    if cmd == "team-add":
        return store.add_team(args.name)
    if cmd == "teams":
        return _table(("id", "name", "created"),
                      [(t["id"], t["name"], t["created_at"]) for t in store.teams()])
    if cmd == "team-policy":
        return policy.admin(store, args)
    if cmd == "worker-add":
        return store.add_worker(args.name, args.role, args.team, email=args.email)
    if cmd == "workers":
        return _table(("id", "name", "role", "teams"),
                      [(w["id"], w["name"], w["role"], ",".join(w["teams"]))
                       for w in store.workers()])
    if cmd == "worker-join":
        store.join_team(args.worker, args.team)
        return "ok"
    if cmd == "worker-leave":
        store.leave_team(args.worker, args.team)
        return "ok"
    if cmd == "enroll":
        return store.create_enrollment(args.worker, args.hours)
    if cmd == "devices":
        return _table(("id", "worker", "label", "last seen", "revoked"),
                      [(d["id"], d["worker"], d["label"], d["last_seen"],
                        "yes" if d["revoked"] else "no") for d in store.devices()])
    if cmd == "revoke":
        store.revoke(args.device)
        return "revoked"
    if cmd == "purge":
        store.purge(args.kind, args.id)
        return "purged"
    if cmd == "backup":
        store.backup(args.dest)
        return args.dest
    if cmd == "conflicts":
        return _table(("id", "at", "kind", "row", "field", "team", "reviewed"),
                      [(c["id"], c["at"], c["kind"], c["row_id"], c["field"], c["team"],
                        "yes" if c["reviewed"] else "no")
                       for c in store.conflicts(include_reviewed=args.all)])
    if cmd == "erase-household":
        counts = store.erase_household(args.id)
        return "erased " + ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
    if cmd == "retention":
        rules = dict(args.rule)
        found = (store.retention_purge if args.purge else store.retention_report)(rules)
        return _table(("household", "team", "basis", "last activity", "expired", "rows"),
                      [(r["household"], r["team"], r["basis"], r["last_activity"],
                        r["expired"], " ".join(f"{k}:{n}" for k, n in sorted(r["rows"].items())))
                       for r in found]) + (f"\nerased {len(found)} households" if args.purge
                                           else "")
    if cmd == "audit":
        cols = ("id", "at", "device", "worker", "action", "kind", "row_id", "team", "count")
        return _table(cols, [[e[c] for c in cols]
                             for e in store.audit_log(args.team, args.after, args.limit)])
    if cmd == "compact":
        return f"floor {store.compact()}"
    raise AssertionError(cmd)


def run(args: argparse.Namespace) -> int:
    if args.command == "migrate-store":
        return _migrate_store(args.source, args.target)
    if not args.db:
        print("error: --db PATH is required", file=sys.stderr)
        return 2
    if args.command == "restore":
        return _restore(args.source, args.db)
    try:
        store = ServerStore(args.db, readers=1)
    except Exception as exc:  # noqa: BLE001 - any failure to open is reported the same way
        print(f"error: cannot open {args.db}: {exc}", file=sys.stderr)
        return 2
    try:
        print(_run(store, args))
    except Refusal as err:
        print(f"error: {err.message} ({err.code})", file=sys.stderr)
        return 2
    except (ValueError, sqlite3.Error) as exc:  # e.g. undecodable bytes in an argument
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        store.close()
    return 0


FILE_ERRORS = (Refusal, restore.DatabaseInUse, OSError, sqlite3.Error)
"""What copying or restoring a database file may raise, each said in one line."""


def _file_error(exc: Exception) -> int:
    print(f"error: {exc.message if isinstance(exc, Refusal) else exc}", file=sys.stderr)
    return 2


def _migrate_store(source: str, target: str) -> int:
    try:
        counts = migrate_store(source, target)
    except FILE_ERRORS as exc:
        return _file_error(exc)
    except Exception as exc:  # noqa: BLE001 - psycopg's errors, without importing psycopg
        # Only the kind of error: its text may quote a value of the copied data.
        print(f"error: the copy failed ({type(exc).__name__} "
              f"{getattr(exc, 'sqlstate', '') or ''}); the target is unchanged", file=sys.stderr)
        return 2
    print("copied " + ", ".join(f"{n} {table}" for table, n in counts.items()))
    return 0


def _restore(source: str, db: str) -> int:
    """``restore`` works on the files, never through an open store (that would migrate them)."""
    if is_postgres(db):
        print("error: a PostgreSQL database is restored with PostgreSQL's own tools "
              "(docs/postgres.md)", file=sys.stderr)
        return 2
    try:
        saved = restore.restore(source, db)
    except FILE_ERRORS as exc:
        return _file_error(exc)
    print(f"restored {db} from {source}" + (f"; the replaced database is {saved}" if saved
                                             else ""))
    return 0
