"""Wat werkt: a built-in effect is found, no effect is reported about as rarely as the 90 %
interval promises, and too few households give no number (synthetic teams)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from app.services import what_works
from app.services.matched import MIN_PER_SIDE, Unit, compare
from app.services.overview import Period
from app.store import Store
from wijkweb_protocol import new_id

PERIOD = Period(date(2025, 1, 1), date(2025, 12, 31))


def synthetic(rng: random.Random, n: int, effect: float) -> tuple[list[Unit], list[Unit]]:
    """Households split in two; those with the practice improve ``effect`` more. The start
    score also drives the change (worse starts improve more), as in real ZRM data."""
    with_, without = [], []
    for _ in range(n):
        start = rng.choice([1, 2, 2, 3, 3, 4])
        has = rng.random() < 0.5
        change = 0.3 * (3 - start) + rng.gauss(0, 0.8) + (effect if has else 0.0)
        (with_ if has else without).append(Unit(start, change))
    return with_, without


def test_a_built_in_effect_is_found():
    found = 0
    for seed in range(20):
        with_, without = synthetic(random.Random(seed), 120, effect=0.8)
        est = compare(with_, without, seed=seed, reps=400)
        assert est.low is not None and est.high is not None
        found += est.found and est.low > 0
        assert est.low <= est.difference <= est.high
    assert found >= 19


def test_no_effect_is_reported_about_as_often_as_the_interval_promises():
    """200 synthetic teams without any effect: a 90 % interval should exclude zero in about
    10 % of them (a binomial 200 × 0.1 has a standard deviation of 2.1 %)."""
    seeds = 200
    reported = sum(compare(*synthetic(random.Random(1000 + s), 100, effect=0.0),
                           seed=s, reps=400).found for s in range(seeds))
    rate = reported / seeds
    print(f"false-report rate over {seeds} seeds: {rate:.3f}")
    assert 0.04 <= rate <= 0.16


def test_matching_on_the_start_removes_a_start_difference():
    """With the practice mostly among low starters (who improve more anyway), the raw
    difference is large, the matched one is not."""
    rng = random.Random(3)
    with_, without = [], []
    for _ in range(400):
        start = rng.choice([1, 2, 3, 4])
        change = 0.5 * (3 - start) + rng.gauss(0, 0.3)
        (with_ if rng.random() < (0.8 if start <= 2 else 0.2) else without).append(
            Unit(start, change))
    raw = sum(u.change for u in with_) / len(with_) - sum(u.change for u in without) / len(
        without)
    est = compare(with_, without, reps=300)
    assert raw > 0.4
    assert est.difference is not None and abs(est.difference) < raw / 4
    assert est.low < 0 < est.high


def test_below_ten_households_on_a_side_there_is_no_number():
    rng = random.Random(1)
    units = [Unit(2, rng.gauss(0, 1)) for _ in range(40)]
    est = compare(units[:MIN_PER_SIDE - 1], units[MIN_PER_SIDE:])
    assert est.too_few and est.difference is None and not est.found
    assert (est.n_with, est.n_without) == (MIN_PER_SIDE - 1, 40 - MIN_PER_SIDE)


def test_a_household_without_a_counterpart_at_its_start_is_left_out():
    with_ = [Unit(1, 1.0)] * 12 + [Unit(5, 0.0)] * 3
    without = [Unit(1, 0.0)] * 12
    est = compare(with_, without, reps=100)
    assert (est.n_with, est.n_without) == (12, 12) and est.difference == 1.0


# ------------------------------------------------------------------ a team in a real store


def build_team(store: Store, households: int, effect: float, seed: int = 3) -> dict[str, bool]:
    """Households with one resident each, scored at the start and the end of ``PERIOD`` in
    three domains; half have a tie to a key figure and improve ``effect`` more."""
    rng = random.Random(seed)
    team = new_id()
    key = store.create("network_person", team, {"name": "Karim", "key_figure": True})
    other = store.create("network_person", team, {"name": "Joke", "key_figure": False})
    out = {}
    with store.transaction():
        for i in range(households):
            hh = store.create("household", team, {"name": f"H{i}", "street": "Tulpstraat"})
            rid = store.create("resident", team, {"household_id": hh, "name": f"R{i}"})
            has = i % 2 == 0
            out[hh] = has
            store.create("tie", team, {"resident_id": rid, "person_id": key if has else other})
            for dom in ("finances", "housing", "social_network"):
                start = rng.choice([1, 2, 3])
                end = start + 0.4 * (3 - start) + rng.gauss(0, 0.7) + (effect if has else 0)
                for day, score in ((PERIOD.start - timedelta(days=10), start),
                                   (PERIOD.end - timedelta(days=10), end)):
                    store.create("outcome_score", team, {
                        "resident_id": rid, "domain": dom, "date": day,
                        "score": min(5, max(1, round(score)))})
    return out


def test_the_key_figure_effect_of_a_team_is_found(store):
    build_team(store, 80, effect=1.0)
    out = what_works.compute(store, PERIOD, reps=300)
    key = next(r for r in out.results if r.practice == "key_figure")
    assert out.households == 80
    assert (key.overall.n_with, key.overall.n_without) == (40, 40)
    assert key.overall.found and key.overall.low > 0
    assert key.domains["finances"].n_with + key.domains["finances"].n_without == 80
    assert len(key.households) == 40
    assert key.domains["justice"].too_few  # nobody scored there


def test_a_small_team_gets_no_number(store):
    build_team(store, 14, effect=1.0)
    out = what_works.compute(store, PERIOD, reps=100)
    assert all(r.overall.too_few for r in out.results)


def test_changes_run_from_the_score_before_the_period_to_the_last_inside():
    from app.domain.models import OutcomeScore

    def score(day: date, value: int, dom: str = "housing") -> OutcomeScore:
        return OutcomeScore(id=f"{day}{dom}", team="t", resident_id="r", domain=dom,
                            score=value, date=day)
    scores = [score(date(2024, 6, 1), 1), score(date(2024, 12, 1), 2),
              score(date(2025, 3, 1), 4), score(date(2025, 6, 1), 3),
              score(date(2026, 2, 1), 5),  # after the period
              score(date(2025, 5, 1), 2, "finances")]  # one score only: no change
    changes = what_works.score_changes(scores, {"r": "h"}, PERIOD)
    assert changes.domains == {"housing": {"h": Unit(2, 1)}}
    assert changes.overall == {"h": Unit(2, 1)}
