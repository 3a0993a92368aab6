"""The server's database: current rows, change log, devices, and the admin operations on them.

One writer connection, guarded by a lock, does every write in a transaction that holds the
database's write lock (SQLite's ``BEGIN IMMEDIATE``, or PostgreSQL's advisory lock when several
server processes share one database: ``sync_server.backend``), so an admin CLI or another
server queues behind it. Readers take a connection of their own from a small pool and read a
snapshot while a push is being written (``sync_server.connections``). Each write that changes
rows gets one new commit *version*; the pull feed is ordered by it.

``ServerStore`` is the Python API the admin CLI mirrors; its verbs live by concept in
``accounts``, ``sync``, ``feed``, ``review`` and ``upkeep``.
"""

from __future__ import annotations

from sync_server.accounts import Accounts, Device
from sync_server.feed import Feed, Page, PageInfo
from sync_server.review import Review
from sync_server.sync import Sync
from sync_server.upkeep import Upkeep

__all__ = ["Device", "Page", "PageInfo", "ServerStore"]


class ServerStore(Accounts, Sync, Feed, Review, Upkeep):
    """Everything the server keeps, and the Python API the admin CLI mirrors."""
