"""Shared fixtures: a fresh local store in a temporary directory."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

from app.store import Store
from sync_server.protocol import new_id

pytest_plugins = ["server_fixtures"]

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
