"""The team lead's outcomes: ZRM first vs latest per resident and domain, on the seeded team."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from team_fixtures import rows

from app.domain import vocab
from app.domain.models import Activation, OutcomeScore
from app.services import outcomes
from app.services.overview import Period


def test_first_and_latest_per_resident_and_domain(seeded):
    store, _ = seeded
    period = Period.last(365)
    out = outcomes.compute(store, period)
    history = defaultdict(list)
    for s in sorted(rows(store, OutcomeScore), key=lambda s: (s.date, s.id)):
        history[(s.resident_id, s.domain)].append(s.score)
    expected = {k: (h[0], h[-1]) for k, h in history.items() if len(h) > 1}
    assert {(c.resident_id, c.domain): (c.first, c.latest) for c in out.changes} == expected
    for d in out.domains:
        mine = [(f, la) for (_, dom), (f, la) in expected.items() if dom == d.domain]
        assert (d.residents, d.improved, d.same, d.worse) == (
            len(mine), sum(la > f for f, la in mine), sum(la == f for f, la in mine),
            sum(la < f for f, la in mine))
    assert [d.domain for d in out.domains] == list(vocab.ZRM_DOMAINS)
    assert sum(out.first_distribution.values()) == len(expected)
    assert sum(out.latest_distribution.values()) == len(expected)
    assert out.latest_distribution == {
        k: sum(la == k for _, la in expected.values()) for k in vocab.ZRM_SCORES}
    assert sum(n for _, _, n in out.by_month) == sum(
        period.start <= s.date <= period.end for s in rows(store, OutcomeScore))
    deltas = [r.delta for r in out.residents]
    assert deltas == sorted(deltas, reverse=True) and all(r.name for r in out.residents)
    acts = [a for a in rows(store, Activation) if period.start <= a.date <= period.end]
    assert out.activations == len(acts)
    assert out.activations_held == sorted(a.id for a in acts if a.outcome == "held")


def test_without_personal_data_there_are_no_names(seeded):
    store, _ = seeded
    out = outcomes.compute(store, Period.last(365), personal=False)
    assert out.residents and not any(r.name for r in out.residents)


def test_scores_after_the_period_do_not_count(seeded):
    store, _ = seeded
    out = outcomes.compute(store, Period(date(2001, 1, 1), date(2001, 12, 31)))
    assert out.changes == [] and out.by_month == [] and out.activations == 0
