"""The local store: SQLite in WAL mode, every write stamped and logged to the outbox."""

from app.store.store import NotFound, Store, default_data_dir

__all__ = ["NotFound", "Store", "default_data_dir"]
