"""What an erasure of one household takes with it, read from the server's current rows.

A household's records reach it through its residents: a resident names its household; ties,
activations, agreements and outcome scores name a resident; a contact lists residents; a
handover names the household. A network person goes too when only erased rows name it and it
is no key figure (a key figure serves the whole neighbourhood). A contact that also names a
resident of another household is erased as well: its note may describe the erased resident.

An erasure never crosses a team: it follows only references between rows of the household's own
team, and a row of another team that names one of them neither joins the erasure nor keeps a
network person from going. (A push cannot make such a reference to a row the server holds,
``reference_out_of_scope``; one to an id the server did not know yet can still dangle.)
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, NamedTuple

from sync_server.backend import Connection
from wijkweb_protocol import shown

_LINKED = ("household", "resident", "contact", "tie", "activation", "agreement",
           "outcome_score", "handover", "network_person")


class Node(NamedTuple):
    rid: int
    kind: str
    id: str
    team: str
    values: dict[str, Any]


class Graph:
    """Every live row that can belong to a household, with its references (one table scan)."""

    def __init__(self, db: Connection):
        marks = ",".join("?" * len(_LINKED))
        self.nodes: dict[tuple[str, str], Node] = {}
        for rid, kind, row_id, team, fields in db.execute(
                f"SELECT rid, kind, id, team, fields FROM rows WHERE purged = 0 "
                f"AND kind IN ({marks})", _LINKED):
            values = {name: shown(reg[0]) for name, reg in json.loads(fields).items()}
            self.nodes[(kind, row_id)] = Node(rid, kind, row_id, team, values)
        self.residents: dict[str, list[str]] = defaultdict(list)  # household → resident ids
        self.by_resident: dict[str, list[Node]] = defaultdict(list)
        self.by_household: dict[str, list[Node]] = defaultdict(list)
        self.person_refs: dict[str, list[Node]] = defaultdict(list)
        for node in self.nodes.values():
            self._index(node)

    def _index(self, node: Node) -> None:
        v = node.values
        if node.kind == "resident" and isinstance(v.get("household_id"), str):
            self.residents[v["household_id"]].append(node.id)
        elif node.kind == "handover" and isinstance(v.get("household_id"), str):
            self.by_household[v["household_id"]].append(node)
        for resident in _refs(node, ("resident_id",), ("resident_ids",)):
            self.by_resident[resident].append(node)
        if node.kind == "agreement" and v.get("owner_kind") == "resident":
            self.by_resident.setdefault(v.get("owner_id") or "", []).append(node)
        for person in _refs(node, ("person_id",), ("person_ids",)):
            self.person_refs[person].append(node)
        if node.kind == "agreement" and v.get("owner_kind") == "network_person":
            self.person_refs[v.get("owner_id") or ""].append(node)

    def households(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.kind == "household"]

    def linked(self, household: str) -> list[Node]:
        """The household's row and every row of its team that goes with it, each once."""
        own = self.nodes.get(("household", household))
        if own is None:
            return []
        team = own.team
        out: dict[tuple[str, str], Node] = {("household", household): own}
        for node in self.by_household.get(household, []):
            if node.team == team:
                out[(node.kind, node.id)] = node
        for resident in self.residents.get(household, []):
            found = self.nodes[("resident", resident)]
            if found.team != team:
                continue
            out[("resident", resident)] = found
            for node in self.by_resident.get(resident, []):
                if node.team == team:
                    out[(node.kind, node.id)] = node
        for person in {p for node in list(out.values())
                       for p in _refs(node, ("person_id",), ("person_ids",))}:
            person_node = self.nodes.get(("network_person", person))
            if (person_node is not None and person_node.team == team
                    and person_node.values.get("key_figure") is not True
                    and all((n.kind, n.id) in out for n in self.person_refs[person]
                            if n.team == team)):
                out[("network_person", person)] = person_node
        return list(out.values())


def _refs(node: Node, single: Iterable[str], lists: Iterable[str]) -> list[str]:
    v = node.values
    out = [v[name] for name in single if isinstance(v.get(name), str)]
    for name in lists:
        if isinstance(v.get(name), list):
            out += [x for x in v[name] if isinstance(x, str)]
    return out


def last_activity(db: Connection) -> dict[int, str]:
    """Per row (rid): when the server last received a change of it."""
    return dict(db.execute("SELECT row, max(received_at) FROM changes GROUP BY row"))
