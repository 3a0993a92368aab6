"""ZRM scores (latest and change), activations and their outcomes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.domain import vocab
from app.domain.models import Activation, OutcomeScore
from app.services import activations, context, scores

WORKER = "11111111-1111-4111-8111-111111111111"


@pytest.fixture
def ctx(store, team):
    return context.set_current(store, WORKER, team, "social_worker")


def _score(domain: str, score: int, day: date, i: int) -> OutcomeScore:
    return OutcomeScore(id=f"s{i}", team="t", resident_id="r", domain=domain, score=score,
                        date=day)


def test_summary_has_all_13_domains_with_latest_and_change():
    d = date(2025, 1, 1)
    rows = scores.summary([_score("finances", 3, d + timedelta(days=60), 1),
                           _score("finances", 1, d, 2),
                           _score("finances", 2, d + timedelta(days=30), 3),
                           _score("housing", 4, d, 4)])
    assert [r.domain for r in rows] == list(vocab.ZRM_DOMAINS)
    by = {r.domain: r for r in rows}
    assert (by["finances"].latest, by["finances"].previous, by["finances"].change) == (3, 2, 1)
    assert by["finances"].latest_date == d + timedelta(days=60)
    assert (by["housing"].latest, by["housing"].change) == (4, None)
    assert by["justice"].latest is None


def test_record_score_validates(store, ctx):
    rid = store.create("resident", ctx.team_id, {"name": "Jan"})
    assert scores.record(store, ctx, rid, "moods", "9", "morgen")[1] == {
        "domain": "error.choose_one", "score": "error.score", "date": "error.date_invalid"}
    future = (date.today() + timedelta(days=3)).isoformat()
    assert scores.record(store, ctx, rid, "finances", 3, future)[1] == {
        "date": "error.date_in_future"}
    sid, errors = scores.record(store, ctx, rid, "finances", "4")
    assert errors == {} and store.get(OutcomeScore, sid).date == date.today()
    scores.record(store, ctx, rid, "finances", 2, "1-1-2024")
    by = {r.domain: r for r in scores.resident_summary(store, rid)}
    assert (by["finances"].latest, by["finances"].change) == (4, 2)


def test_activation_and_outcome(store, ctx):
    rid = store.create("resident", ctx.team_id, {"name": "Jan"})
    pid = store.create("network_person", ctx.team_id, {"name": "Karim"})
    assert activations.create(store, ctx, rid, [], " ")[1] == {
        "persons": "error.person_required", "request": "error.what_required"}
    aid, errors = activations.create(store, ctx, rid, [pid, pid], "Proefles kickboksen")
    assert errors == {}
    row = store.get(Activation, aid)
    assert (row.person_ids, row.outcome, row.date) == ([pid], "agreed", date.today())
    assert activations.set_outcome(store, aid, "maybe") == {"outcome": "error.choose_one"}
    assert activations.set_outcome(store, aid, "happened") == {}
    row = store.get(Activation, aid)
    assert row.outcome == "happened" and row.outcome_date == date.today()


def test_hold_check_after_three_months():
    a = Activation(id="a", team="t", resident_id="r", date=date(2025, 1, 1), outcome="happened")
    assert not activations.due_for_hold_check(a, date(2025, 3, 1))
    assert activations.due_for_hold_check(a, date(2025, 4, 2))
    a.outcome = "held"
    assert not activations.due_for_hold_check(a, date(2025, 6, 1))
