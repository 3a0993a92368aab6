"""The network: people and key figures, ties, and the ecogram as pure geometry.

The ecogram puts the resident in the centre, one sector per tie kind (family, friends,
neighbours, professionals, organisations) and each person at a distance by strength: strong
close, weak far, strained in between and marked. ``layout`` is plain arithmetic so it is tested
without a screen; ``hit`` turns a tap on the canvas back into the tie that was tapped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from app.domain import vocab
from app.domain.models import NetworkPerson, Tie
from app.services.context import Context
from app.services.forms import Errors, limit_text, require_text
from app.store import Store

RADIUS_BY_STRENGTH = {"strong": 0.42, "strained": 0.64, "weak": 0.86}
"""Distance from the centre as a share of the drawing's radius."""
SHIFT_BY_STRENGTH = {"strained": 0.14, "weak": -0.14}
"""Turn within the sector, as a share of it, so that rings of one sector do not line up."""

NODE_RADIUS = 22.0  # px; a node is also a touch target (≥ 44 px across)
PAGE = 50
LABEL_MARGIN = 48.0  # px: half the width of the longest sector label at 12 px
LABEL_HALF_HEIGHT = 9.0  # px: half the height of a sector label
CENTRE_RADIUS = 30.0  # px: the resident in the middle
NODE_GAP = 2.0  # px between two people's circles
LABEL_CLEAR = NODE_RADIUS + 20  # px from a label's middle to a node's centre (and its name)


@dataclass(frozen=True)
class Node:
    tie_id: str
    person_id: str
    name: str
    kind: str
    strength: str
    x: float
    y: float


@dataclass(frozen=True)
class Sector:
    kind: str
    start: float  # radians, clockwise from 12 o'clock
    end: float
    label_x: float
    label_y: float


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    cx: float
    cy: float
    radius: float
    nodes: list[Node]
    sectors: list[Sector]


def _point(cx: float, cy: float, r: float, angle: float) -> tuple[float, float]:
    """A point at ``angle`` (clockwise from 12 o'clock) and distance ``r``."""
    return cx + r * math.sin(angle), cy - r * math.cos(angle)


def layout(ties: Sequence[tuple[Tie, NetworkPerson]], width: float, height: float) -> Layout:
    """Place every tie of a resident in its kind's sector, at the distance of its strength.

    Sector labels sit at the rim (and are drawn last, on a light background, so nothing
    covers them). People of one sector and strength are spread over the sector; a node that
    would overlap another, or sit on a label's words, moves out (then in) along its ray until
    it is free, so no two people are drawn on top of each other even when three strong
    neighbours share a sector.
    """
    cx, cy = width / 2, height / 2
    half = min(width, height) / 2
    radius = max(half - NODE_RADIUS - 4, NODE_RADIUS * 2)
    kinds = vocab.TIE_KINDS
    span = 2 * math.pi / len(kinds)
    sectors: list[Sector] = []
    nodes: list[Node] = []
    for i, kind in enumerate(kinds):
        start = i * span
        lx, ly = _point(cx, cy, half - LABEL_HALF_HEIGHT - 2, start + span / 2)
        lx = min(max(lx, LABEL_MARGIN), width - LABEL_MARGIN)  # keep the words on the canvas
        sectors.append(Sector(kind, start, start + span, lx, ly))
    for sector in sectors:
        members = [(t, p) for t, p in ties if t.kind == sector.kind]
        for strength in (*RADIUS_BY_STRENGTH, None):
            group = [(t, p) for t, p in members if (t.strength if t.strength in
                                                    RADIUS_BY_STRENGTH else None) == strength]
            for j, (tie, person) in enumerate(group):
                # strengths sit a little apart, so a spoke does not run through a node
                angle = sector.start + span * ((j + 1) / (len(group) + 1)
                                               + SHIFT_BY_STRENGTH.get(strength or "", 0.0))
                angle = min(max(angle, sector.start + span * 0.08), sector.end - span * 0.08)
                share = RADIUS_BY_STRENGTH.get(tie.strength, RADIUS_BY_STRENGTH["strained"])
                x, y = _free_spot(cx, cy, radius, angle, share, sector, nodes, sectors)
                nodes.append(Node(tie.id, person.id, person.name, sector.kind, tie.strength,
                                  x, y))
    return Layout(width, height, cx, cy, radius, nodes, sectors)


def _free_spot(cx: float, cy: float, radius: float, angle: float, share: float,
               sector: Sector, placed: list[Node], sectors: list[Sector]
               ) -> tuple[float, float]:
    """The free point nearest to (``angle``, ``share`` of the radius) inside ``sector``: one
    where the node overlaps no placed node and sits on no label; the least crowded if none is.
    Nearest counts a step along the ray like a twelfth of the sector sideways."""
    inner = (CENTRE_RADIUS + NODE_RADIUS + 4) / radius
    span = sector.end - sector.start
    edge = span * 0.06
    candidates = sorted(
        ((abs(k) * 0.06 + abs(a), share + k * 0.06, angle + a * span)
         for k in range(-10, 11) for a in (0, *(sign * i / 12 for i in range(1, 6)
                                                for sign in (1, -1)))
         if inner <= share + k * 0.06 <= 0.97
         and sector.start + edge <= angle + a * span <= sector.end - edge),
        key=lambda c: (c[0], -c[1]))  # ties: further out first

    def room(share_: float, angle_: float) -> float:
        x, y = _point(cx, cy, radius * share_, angle_)
        gaps = [math.hypot(n.x - x, n.y - y) - 2 * NODE_RADIUS - NODE_GAP for n in placed]
        gaps += [math.hypot(s.label_x - x, s.label_y - y) - LABEL_CLEAR for s in sectors]
        return min(gaps, default=math.inf)

    best = next(((c, a) for _, c, a in candidates if room(c, a) >= 0), None)
    if best is None:
        best = max(((c, a) for _, c, a in candidates), key=lambda ca: room(*ca))
    return _point(cx, cy, radius * best[0], best[1])


def hit(lay: Layout, x: float, y: float, slack: float = 10.0) -> Node | None:
    """The node under a tap at (x, y), nearest first; None for a tap on empty space."""
    best, best_d = None, NODE_RADIUS + slack
    for node in lay.nodes:
        d = math.hypot(node.x - x, node.y - y)
        if d <= best_d:
            best, best_d = node, d
    return best


# ------------------------------------------------------------------ people and ties


def search_people(store: Store, text: str = "", key_figures_only: bool = False,
                  offset: int = 0, limit: int = PAGE) -> tuple[list[NetworkPerson], bool]:
    found = store.search_people(text, key_figures_only, limit=limit + 1, offset=offset)
    return list(found[:limit]), len(found) > limit


def validate_person(name: str, offers: str, organisation: str, street: str) -> Errors:
    errors: Errors = {}
    require_text(errors, "name", name, "error.name_required", 120)
    limit_text(errors, "offers", offers, 1000)
    limit_text(errors, "organisation", organisation, 200)
    limit_text(errors, "street", street, 120)
    return errors


def save_person(store: Store, ctx: Context, values: dict, person_id: str | None = None
                ) -> tuple[str | None, Errors]:
    """Create or change a network person or key figure. Returns (id, errors)."""
    errors = validate_person(values.get("name", ""), values.get("offers", ""),
                             values.get("organisation", ""), values.get("street", ""))
    if errors:
        return None, errors
    clean = {
        "name": values["name"].strip(), "offers": values.get("offers", "").strip(),
        "organisation": values.get("organisation", "").strip() or None,
        "street": values.get("street", "").strip(),
        "key_figure": bool(values.get("key_figure")),
    }
    if person_id:
        store.update("network_person", person_id, clean)
        return person_id, {}
    return store.create("network_person", ctx.team(), {**clean, "worker_id": ctx.worker_id}), {}


def validate_tie(kind: str, strength: str, support: Sequence[str]) -> Errors:
    errors: Errors = {}
    if kind not in vocab.TIE_KINDS:
        errors["kind"] = "error.choose_one"
    if strength not in vocab.STRENGTHS:
        errors["strength"] = "error.choose_one"
    if set(support) - set(vocab.SUPPORT_KINDS):
        errors["support"] = "error.choose_one"
    return errors


def save_tie(store: Store, ctx: Context, resident_id: str | None, person_id: str | None,
             kind: str, strength: str, support: Sequence[str], note: str = "",
             tie_id: str | None = None) -> tuple[str | None, Errors]:
    """Add a tie (from either side: resident or network person) or change one."""
    errors = validate_tie(kind, strength, support)
    if not tie_id:
        if not resident_id:
            errors["resident"] = "error.resident_required"
        if not person_id:
            errors["person"] = "error.person_required"
    limit_text(errors, "note", note, 1000)
    if errors:
        return None, errors
    values = {"kind": kind, "strength": strength,
              "support": [s for s in vocab.SUPPORT_KINDS if s in support],
              "note": note.strip() or None}
    if tie_id:
        store.update("tie", tie_id, values)
        return tie_id, {}
    assert resident_id and person_id  # a new tie without them is refused above
    existing = [t for t, _ in store.ties(resident_id) if t.person_id == person_id]
    if existing:  # one tie per pair: adding again from the other side edits the same spoke
        store.update("tie", existing[0].id, values)
        return existing[0].id, {}
    return store.create("tie", ctx.team(), {"resident_id": resident_id, "person_id": person_id,
                                            **values}), {}


def remove_tie(store: Store, tie_id: str) -> None:
    store.delete("tie", tie_id)
