"""``python -m sync_server serve ...`` runs the server; ``... admin ...`` manages it."""

from __future__ import annotations

import argparse
import logging
import sqlite3
import sys

from sync_server import admin, proxy
from sync_server.errors import Refusal
from sync_server.restore import DatabaseInUse
from sync_server.schema import SchemaTooNew
from sync_server.server import MAX_PER_ADDRESS, serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sync_server",
                                     description="Wijkweb sync server")
    sub = parser.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("serve", help="run the sync server")
    p.add_argument("--db", required=True, help="path of the server database (created if new)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    p.add_argument("--tls-cert", help="PEM certificate; serves HTTPS with --tls-key")
    p.add_argument("--tls-key", help="PEM private key")
    p.add_argument("--max-in-flight", type=int, default=32)
    p.add_argument("--max-connections-per-address", type=int, default=MAX_PER_ADDRESS,
                   help="open connections one client address may hold (a --trusted-proxy's "
                   "are not capped); 0: no cap")
    p.add_argument("--trusted-proxy", action="append", default=[], type=proxy.network,
                   metavar="ADDR", help="a reverse proxy (an address, or a network such as "
                   "10.0.0.0/24) whose X-Real-IP or X-Forwarded-For names the client for the "
                   "per-address limits, and whose connections are not capped; repeatable")
    p.add_argument("--durability", choices=("normal", "full"), default="full",
                   help="full: sync every commit to disk before acknowledging it")
    p.add_argument("--min-client-schema", type=int, default=1,
                   help="older apps get 426 upgrade_required and keep their changes")
    p.add_argument("--log-level", default="INFO")
    admin.add_parser(sub)
    args = parser.parse_args(argv)
    if args.mode == "admin":
        return admin.run(args)
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return serve(args.db, args.host, args.port, tls_cert=args.tls_cert,
                     tls_key=args.tls_key, max_in_flight=args.max_in_flight,
                     durability=args.durability, min_client_schema=args.min_client_schema,
                     max_per_address=args.max_connections_per_address,
                     trusted_proxies=args.trusted_proxy)
    except (OSError, sqlite3.Error, SchemaTooNew, DatabaseInUse) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Refusal as err:  # e.g. a PostgreSQL server that cannot be reached
        print(f"error: {err.message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
