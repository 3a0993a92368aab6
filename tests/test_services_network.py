"""The ecogram as geometry, and ties added from either side."""

from __future__ import annotations

import math

import pytest

from app.domain import vocab
from app.domain.models import NetworkPerson, Tie
from app.services import context, network

WORKER = "11111111-1111-4111-8111-111111111111"


def _tie(i: int, kind: str, strength: str) -> tuple[Tie, NetworkPerson]:
    return (Tie(id=f"t{i}", team="x", resident_id="r", person_id=f"p{i}", kind=kind,
                strength=strength),
            NetworkPerson(id=f"p{i}", team="x", name=f"Persoon {i}"))


def _angle(lay: network.Layout, n: network.Node) -> float:
    return math.atan2(n.x - lay.cx, -(n.y - lay.cy)) % (2 * math.pi)


def test_each_kind_has_its_sector_and_every_node_sits_in_it():
    ties = [_tie(i, kind, "strong") for i, kind in enumerate(vocab.TIE_KINDS * 3)]
    lay = network.layout(ties, 400, 400)
    assert [s.kind for s in lay.sectors] == list(vocab.TIE_KINDS)
    sectors = {s.kind: s for s in lay.sectors}
    for node in lay.nodes:
        s = sectors[node.kind]
        assert s.start < _angle(lay, node) < s.end


def test_distance_follows_strength():
    lay = network.layout([_tie(1, "family", "strong"), _tie(2, "family", "strained"),
                          _tie(3, "family", "weak")], 400, 400)
    dist = {n.strength: math.hypot(n.x - lay.cx, n.y - lay.cy) for n in lay.nodes}
    assert dist["strong"] < dist["strained"] < dist["weak"] <= lay.radius


def test_nodes_stay_inside_the_canvas_even_when_crowded():
    ties = [_tie(i, "friend", "weak") for i in range(12)]
    lay = network.layout(ties, 300, 300)
    for n in lay.nodes:
        assert network.NODE_RADIUS <= n.x <= 300 - network.NODE_RADIUS
        assert network.NODE_RADIUS <= n.y <= 300 - network.NODE_RADIUS


def _clashes(lay: network.Layout) -> list[str]:
    """Pairs of people drawn on top of each other, and people over a sector label."""
    out = []
    for i, a in enumerate(lay.nodes):
        for b in lay.nodes[i + 1:]:
            if math.hypot(a.x - b.x, a.y - b.y) < 2 * network.NODE_RADIUS:
                out.append(f"{a.name} / {b.name}")
        for s in lay.sectors:
            if math.hypot(s.label_x - a.x, s.label_y - a.y) < network.LABEL_CLEAR:
                out.append(f"{a.name} over {s.kind}")
    return out


@pytest.mark.parametrize("size", [300, 356, 560])
def test_three_strong_neighbours_neither_overlap_nor_cover_the_labels(size):
    ties = [_tie(1, "neighbour", "strong"), _tie(2, "neighbour", "strong"),
            _tie(3, "neighbour", "strong"), _tie(4, "friend", "weak"), _tie(5, "family", "weak"),
            _tie(6, "organisation", "strained"), _tie(7, "neighbour", "weak")]
    assert _clashes(network.layout(ties, size, size)) == []


@pytest.mark.parametrize("per_group", [1, 2, 3])
def test_every_sector_and_strength_filled_without_overlap(per_group):
    ties = [_tie(i * 100 + j, kind, strength) for i, (kind, strength) in enumerate(
        (k, st) for k in vocab.TIE_KINDS for st in network.RADIUS_BY_STRENGTH)
        for j in range(per_group)]
    lay = network.layout(ties, 560, 560)
    assert _clashes(lay) == []
    sectors = {s.kind: s for s in lay.sectors}
    for node in lay.nodes:
        assert sectors[node.kind].start < _angle(lay, node) < sectors[node.kind].end


def test_a_tap_finds_the_node_under_it():
    lay = network.layout([_tie(1, "neighbour", "strong"), _tie(2, "professional", "weak")],
                         360, 360)
    for node in lay.nodes:
        assert network.hit(lay, node.x + 5, node.y - 5).tie_id == node.tie_id
    assert network.hit(lay, lay.cx, lay.cy) is None


@pytest.fixture
def ctx(store, team):
    return context.set_current(store, WORKER, team, "caretaker")


@pytest.fixture
def pair(store, team):
    rid = store.create("resident", team, {"name": "Ayşe"})
    pid = store.create("network_person", team, {"name": "Karim", "key_figure": True})
    return rid, pid


def test_a_tie_added_from_both_sides_is_one_tie(store, ctx, pair):
    rid, pid = pair
    first, errors = network.save_tie(store, ctx, rid, pid, "friend", "strong", ["company"])
    assert errors == {}
    again, errors = network.save_tie(store, ctx, rid, pid, "professional", "strained",
                                     ["advice", "practical"])
    assert again == first and errors == {}
    [(tie, person)] = store.ties(rid)
    assert (tie.kind, tie.strength, tie.support) == ("professional", "strained",
                                                     ["practical", "advice"])
    assert [r.id for _, r in store.person_ties(pid)] == [rid]


def test_tie_validation(store, ctx, pair):
    _, errors = network.save_tie(store, ctx, None, None, "enemy", "huge", ["money"])
    assert errors == {"kind": "error.choose_one", "strength": "error.choose_one",
                      "support": "error.choose_one", "resident": "error.resident_required",
                      "person": "error.person_required"}


def test_remove_tie(store, ctx, pair):
    tie_id, _ = network.save_tie(store, ctx, *pair, "family", "weak", [])
    network.remove_tie(store, tie_id)
    assert store.ties(pair[0]) == []


def test_people_are_paged_and_validated(store, ctx):
    for i in range(7):
        network.save_person(store, ctx, {"name": f"Buur {i}", "offers": "klussen"})
    people, more = network.search_people(store, "klus", limit=5)
    assert len(people) == 5 and more
    people, more = network.search_people(store, "klus", offset=5, limit=5)
    assert len(people) == 2 and not more
    assert network.save_person(store, ctx, {"name": " "}) == (None, {"name": "error.name_required"})


def test_edit_person_keeps_its_id(store, ctx):
    pid, _ = network.save_person(store, ctx, {"name": "Ria", "key_figure": True})
    same, _ = network.save_person(store, ctx, {"name": "Ria Koops", "organisation": "Schakel",
                                               "key_figure": True}, pid)
    person = store.get(NetworkPerson, pid)
    assert same == pid and person.name == "Ria Koops" and person.organisation == "Schakel"
