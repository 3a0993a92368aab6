"""Shared fixtures: a fresh local store in a temporary directory."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

from app.store import Store
from wijkweb_protocol import new_id

pytest_plugins = ["coach_fixtures", "server_fixtures", "sync_fixtures", "team_fixtures"]

settings.register_profile("ci", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci")


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "device.sqlite")
    yield s
    s.close()


@pytest.fixture
def team() -> str:
    return new_id()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last: their session-wide Playwright keeps an event loop running in this
    thread, and the plain tests that drive async handlers need none to be running.
    No test is run twice: a browser test waits for the state it needs (tests/e2e/harness.py).
    """
    items.sort(key=lambda item: "e2e" in item.path.parts)
