"""Use cases of the app in plain Python: what a screen asks for, without Flet.

Screens call these functions; they read through the store's queries (and ``reads`` for the few
extra ones) and write only through ``Store``. Validation returns ``{field: error_key}``.
Screens hold the process's ``Store`` (re-exported here for their type hints) and pass it to
these functions; they never call its methods themselves.
"""

from app.store import Store

__all__ = ["Store"]
