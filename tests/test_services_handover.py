"""Warm handover on the seeded team: nothing orphaned, exactly the right records moved, in one
transaction of stamped changes (the history keeps who held what)."""

from __future__ import annotations

from team_fixtures import rows

from app.domain.models import Agreement, Handover, Household, NetworkPerson, Resident, Tie
from app.services import handover

MOVED_FIELDS = {"household": {"primary_worker_id"}, "agreement": {"owner_id", "worker_id"},
                "network_person": {"worker_id"}}


def _snapshot(store):
    return {kind: store.all_rows(kind) for kind in
            ("household", "agreement", "network_person", "resident", "contact", "tie")}


def _last_tx(store):
    changes = store.outbox(limit=1_000_000)
    tx = max(c.tx for c in changes)
    return [c for c in changes if c.tx == tx]


def test_handover_moves_exactly_the_leaving_workers_records(seeded):
    store, ids = seeded
    leaving, taker = ids["workers"][0], ids["workers"][2]
    homes = {h.id for h in rows(store, Household) if h.primary_worker_id == leaving}
    open_mine = {a.id for a in rows(store, Agreement) if a.status == "open" and (
        a.worker_id == leaving or (a.owner_kind == "worker" and a.owner_id == leaving))}
    people = {p.id for p in rows(store, NetworkPerson) if p.worker_id == leaving}
    assert homes and open_mine and people
    plan = handover.plan(store, leaving)
    assert ({h.id for h in plan.households}, {a.id for a in plan.agreements},
            {p.id for p in plan.people}) == (homes, open_mine, people)
    before = _snapshot(store)

    result, errors = handover.hand_over(store, leaving, taker, by_worker=ids["workers"][1])

    assert errors == {} and set(result.households) == homes
    after = _snapshot(store)
    assert not handover.orphans(store)
    assert not [h for h in rows(store, Household) if h.primary_worker_id in (None, leaving)]
    assert handover.plan(store, leaving).empty
    for kind, old_rows in before.items():
        for rid, old in old_rows.items():
            new = after[kind][rid]
            changed = {k for k in old if old[k] != new[k]}
            moved = (kind == "household" and rid in homes or kind == "agreement"
                     and rid in open_mine or kind == "network_person" and rid in people)
            if not moved:
                assert not changed, (kind, rid, changed)
                continue
            assert changed and changed <= MOVED_FIELDS[kind], (kind, changed)
            assert all(new[k] == taker for k in changed)
    # closed agreements keep who did them: the history is not rewritten
    closed = [a for a in rows(store, Agreement) if a.status != "open" and a.worker_id == leaving]
    assert closed
    # one transaction of stamped changes: pushed together, the server logs the old holder
    changes = _last_tx(store)
    notes = [c for c in changes if c.kind == "handover"]
    assert {(c.kind, c.id) for c in changes if c.kind != "handover"} == (
        {("household", h) for h in homes} | {("agreement", a) for a in open_mine}
        | {("network_person", p) for p in people})
    assert all(set(c.fields) <= MOVED_FIELDS[c.kind] for c in changes if c.kind != "handover")
    # and one handover row per household, which tells the new worker's device
    assert sorted(c.fields["household_id"][0] for c in notes) == sorted(homes)
    assert {(c.fields["from_worker_id"][0], c.fields["to_worker_id"][0],
             c.fields["by_worker_id"][0], c.fields["seen"][0]) for c in notes} == {
        (leaving, taker, ids["workers"][1], False)}


def test_households_can_go_to_different_colleagues_and_agreements_follow(seeded):
    store, ids = seeded
    leaving, a, b = ids["workers"][0], ids["workers"][1], ids["workers"][2]
    plan = handover.plan(store, leaving)
    first = plan.households[0].id
    members = {r.id for r in rows(store, Resident) if r.household_id == first}
    followed = [x for x in plan.agreements if x.resident_id in members]
    result, errors = handover.hand_over(store, leaving, a, {first: b}, people_to=b)
    assert errors == {}
    assert store.get(Household, first).primary_worker_id == b
    assert {store.get(Household, h.id).primary_worker_id for h in plan.households[1:]} == {a}
    for x in followed:
        assert store.get(Agreement, x.id).worker_id == b
    assert {store.get(NetworkPerson, p.id).worker_id for p in plan.people} == {b}


def test_bad_choices_are_refused_and_nothing_moves(seeded):
    store, ids = seeded
    leaving = ids["workers"][0]
    before = store.pending_count()
    assert handover.hand_over(store, leaving, None)[1] == {"to": "error.handover_to"}
    assert handover.hand_over(store, leaving, leaving)[1] == {"to": "error.handover_same"}
    assert handover.hand_over(store, leaving, "nobody")[1] == {"to": "error.handover_to"}
    assert "per_household" in handover.hand_over(
        store, leaving, ids["workers"][1], {"x": leaving})[1]
    assert store.pending_count() == before


def test_summary_per_household_has_what_the_new_worker_needs(seeded):
    store, ids = seeded
    plan = handover.plan(store, ids["workers"][0])
    summaries = [handover.summary(store, h.id) for h in plan.households]
    for s in summaries:
        members = [r for r in rows(store, Resident) if r.household_id == s.household_id]
        assert {m.id for m in s.members} == {r.id for r in members}
        for m in s.members:
            r = store.get(Resident, m.id)
            assert (m.ambitions, m.talents) == (r.ambitions, r.talents)
            assert len(m.network) == sum(t.resident_id == m.id for t in rows(store, Tie))
        assert {a.id for a in s.open_agreements} == {
            a.id for a in rows(store, Agreement)
            if a.status == "open" and a.resident_id in {r.id for r in members}}
        assert len(s.last_contacts) <= 3
        assert all(set(c.resident_ids) & {r.id for r in members} for c in s.last_contacts)
        assert all(a.outcome in ("happened", "held") for a in s.worked)
    assert any(s.last_contacts for s in summaries)
    assert any(m.network for s in summaries for m in s.members)


def test_the_new_worker_sees_each_household_handed_to_them_until_marked_seen(seeded):
    store, ids = seeded
    leaving, a, b = ids["workers"][0], ids["workers"][1], ids["workers"][2]
    plan = handover.plan(store, leaving)
    first = plan.households[0].id
    assert handover.received(store, a) == [] and handover.received(store, b) == []
    handover.hand_over(store, leaving, a, {first: b})

    to_a = handover.received(store, a)
    assert sorted(r.summary.household_id for r in to_a) == sorted(
        h.id for h in plan.households[1:])
    assert [r.summary.household_id for r in handover.received(store, b)] == [first]
    assert all(r.handover.from_worker_id == leaving for r in to_a)
    assert handover.received(store, leaving) == []

    handover.mark_seen(store, to_a[0].handover.id)
    assert {r.handover.id for r in handover.received(store, a)} == {
        r.handover.id for r in to_a[1:]}
    assert store.get(Handover, to_a[0].handover.id).seen
    assert handover.unseen_count(store, a) == len(to_a) - 1
    # a household erased later leaves no summary behind
    assert handover.unseen_count(store, b) == 1
    store.delete("household", first)
    assert handover.received(store, b) == [] and handover.unseen_count(store, b) == 0
