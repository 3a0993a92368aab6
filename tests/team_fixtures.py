"""A seeded team with months of records (``app.demo.seed``), for the team lead's services."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import col, select

from app.demo import seed
from app.store import Store


@pytest.fixture
def seeded(tmp_path) -> Iterator[tuple[Store, dict]]:
    store = Store(tmp_path / "team.sqlite")
    ids = seed(store, months=6)
    yield store, ids
    store.close()


def rows(store: Store, model: type) -> list:
    """Every live row of a table, read directly (the hand count's source)."""
    with store.session() as s:
        return list(s.exec(select(model).where(~col(model.deleted))).all())
