"""ZRM outcome scores: one score 1–5 per domain and date; the latest and the change since the
score before it show whether things move, which activity counts alone cannot.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from app.domain import vocab
from app.domain.models import OutcomeScore
from app.services import reads
from app.services.context import Context
from app.services.forms import Errors, check, optional_date, parse_int
from app.store import Store


@dataclass(frozen=True)
class DomainScore:
    domain: str
    latest: int | None
    latest_date: date | None
    previous: int | None

    @property
    def change(self) -> int | None:
        """Latest minus the score before it; None when there is nothing to compare."""
        if self.latest is None or self.previous is None:
            return None
        return self.latest - self.previous


def summary(scores: Iterable[OutcomeScore]) -> list[DomainScore]:
    """One line per ZRM domain (all 13, in matrix order), from scores in any order."""
    by_domain: dict[str, list[OutcomeScore]] = {}
    for s in sorted(scores, key=lambda s: (s.date, s.id)):
        by_domain.setdefault(s.domain, []).append(s)
    out = []
    for domain in vocab.ZRM_DOMAINS:
        history = by_domain.get(domain, [])
        latest = history[-1] if history else None
        previous = history[-2] if len(history) > 1 else None
        out.append(DomainScore(domain, latest.score if latest else None,
                               latest.date if latest else None,
                               previous.score if previous else None))
    return out


def resident_summary(store: Store, resident_id: str) -> list[DomainScore]:
    return summary(reads.scores(store, resident_id))


def record(store: Store, ctx: Context, resident_id: str, domain: str, score: str | int,
           day: str = "") -> tuple[str | None, Errors]:
    """Record a score; the date defaults to today and may not lie in the future."""
    errors: Errors = {}
    if domain not in vocab.ZRM_DOMAINS:
        errors["domain"] = "error.choose_one"
    value = check(errors, "score", parse_int, score, 1, 5, "error.score")
    when = check(errors, "date", optional_date, day) or date.today()
    if when > date.today() and "date" not in errors:
        errors["date"] = "error.date_in_future"
    if errors:
        return None, errors
    return store.create("outcome_score", ctx.team(), {
        "resident_id": resident_id, "domain": domain, "score": value, "date": when,
        "worker_id": ctx.worker_id}), {}
