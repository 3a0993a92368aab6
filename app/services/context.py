"""Who is using this device: the current worker, their team and role, from the store's meta.

Enrollment (or the demo seeding) writes ``worker_id``, ``team_id`` and ``role``; every write of
a screen is made in that team and attributed to that worker.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.models import Worker
from app.store import Store


class NotEnrolled(RuntimeError):
    """The device has no team yet: enroll it (settings) or seed the demo data."""


@dataclass(frozen=True)
class Context:
    worker_id: str | None
    team_id: str | None
    role: str | None

    @property
    def ready(self) -> bool:
        """True when records can be written (a team is known)."""
        return bool(self.team_id)

    def team(self) -> str:
        """The team to write in; raises ``NotEnrolled`` rather than writing into no scope."""
        if not self.team_id:
            raise NotEnrolled("no team_id in the store meta")
        return self.team_id


def current(store: Store) -> Context:
    """The context as stored now (read each time: enrollment can change it)."""
    return Context(store.meta("worker_id"), store.meta("team_id"), store.meta("role"))


def set_current(store: Store, worker_id: str, team_id: str, role: str) -> Context:
    with store.transaction():
        store.set_meta("worker_id", worker_id)
        store.set_meta("team_id", team_id)
        store.set_meta("role", role)
    return current(store)


def worker_name(store: Store, worker_id: str | None) -> str:
    """A worker's name, or "" when unknown (a worker of another team, not synced yet)."""
    if not worker_id:
        return ""
    worker = store.get(Worker, worker_id)
    return worker.name if worker else ""
