"""Short fault runs in the ordinary test suite: two fixed seeds and one new seed each time."""

from __future__ import annotations

import random

import pytest

from .run import FaultRun

NEW_SEED = random.randrange(2**31)


@pytest.mark.parametrize("seed", [7, 20260, NEW_SEED])
def test_a_fault_run_loses_and_doubles_nothing(seed, tmp_path):
    print(f"fault run seed {seed} (python -m tests.faults --minutes 1 --seed {seed})")
    report = FaultRun(seed, tmp_path, devices=4).run(steps=120)
    assert report.writes and report.actions["kill_server"] + report.actions["kill_client"]
    assert len(report.checks) == 6
