"""A street coach on the device (``ctx``) and a resident in a household (``ayse``): the start of
most use-case tests of the coach's forms."""

from __future__ import annotations

import pytest

from app.services import context

WORKER = "11111111-1111-4111-8111-111111111111"


@pytest.fixture
def ctx(store, team):
    return context.set_current(store, WORKER, team, "street_coach")


@pytest.fixture
def ayse(store, team):
    hid = store.create("household", team, {"name": "Fam. Yilmaz", "street": "Tulpstraat"})
    return store.create("resident", team, {"name": "Ayşe Yilmaz", "household_id": hid})
