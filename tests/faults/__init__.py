"""Fault injection: a faulty TCP proxy per device, a seeded schedule of faults, the end checks.

Short runs are part of the test suite (``test_fault_runs.py``); a long run is
``python -m tests.faults --minutes 30 [--seed N]``, which writes ``bench/faults-last-run.md``.
"""
