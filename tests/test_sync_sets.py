"""List fields over real HTTP: concurrent additions from two devices both survive, and a removal
takes away only the adds its device had seen."""

from __future__ import annotations

import json

from sync_server.protocol import new_id, present


def server_items(fleet, team: str, kind: str, row_id: str, field: str) -> list[str]:
    """The list the server's row shows (its items map, as stored)."""
    page = fleet.harness.store.pull([team], None, 5000)
    [row] = [r for r in map(json.loads, page.rows) if r["kind"] == kind and r["id"] == row_id]
    return present(row["fields"][field][0])


def test_two_devices_offline_add_different_dreams_and_both_keep_both(fleet):
    team = fleet.harness.team()
    coach, lead = fleet.device([team]), fleet.device([team], role="team_lead")
    rid = coach.store.create("resident", team, {"name": "Ayşe"})
    coach.sync()
    lead.sync()
    coach.store.add_to_list("resident", rid, "ambitions", ["fietsles volgen"])  # both offline
    lead.store.add_to_list("resident", rid, "ambitions", ["werk in de bakkerij"])
    coach.sync()
    lead.sync()
    coach.sync()
    both = {"fietsles volgen", "werk in de bakkerij"}
    assert set(coach.store.values("resident", rid)["ambitions"]) == both
    assert lead.store.values("resident", rid)["ambitions"] == coach.store.values(
        "resident", rid)["ambitions"]
    assert set(server_items(fleet, team, "resident", rid, "ambitions")) == both
    assert fleet.harness.store.conflicts() == []


def test_a_removal_keeps_an_item_another_device_re_added_meanwhile(fleet):
    team = fleet.harness.team()
    coach, lead = fleet.device([team]), fleet.device([team], role="team_lead")
    rid = coach.store.create("resident", team, {"name": "Ayşe", "talents": ["koken"],
                                                "ambitions": ["zwemmen"]})
    coach.sync()
    lead.sync()
    # Offline: the coach removes "koken" and "zwemmen"; the lead removes "koken" and adds it
    # again (a new add the coach never saw), and leaves "zwemmen" alone.
    coach.store.remove_from_list("resident", rid, "talents", ["koken"])
    coach.store.remove_from_list("resident", rid, "ambitions", ["zwemmen"])
    lead.store.remove_from_list("resident", rid, "talents", ["koken"])
    lead.store.add_to_list("resident", rid, "talents", ["koken"])
    for dev in (lead, coach, lead):
        dev.sync()
    for dev in (coach, lead):
        values = dev.store.values("resident", rid)
        assert (values["talents"], values["ambitions"]) == (["koken"], [])
    assert server_items(fleet, team, "resident", rid, "talents") == ["koken"]
    assert server_items(fleet, team, "resident", rid, "ambitions") == []


def test_a_form_that_saves_a_whole_list_sends_only_its_difference(fleet):
    """A tie's support is saved from checkboxes as a whole list: it still merges as a set."""
    team = fleet.harness.team()
    coach, lead = fleet.device([team]), fleet.device([team], role="team_lead")
    tie = coach.store.create("tie", team, {"kind": "family", "support": ["practical"],
                                           "resident_id": new_id(), "person_id": new_id()})
    coach.sync()
    lead.sync()
    coach.store.update("tie", tie, {"support": ["practical", "emotional"]})
    lead.store.update("tie", tie, {"support": ["practical", "information"]})
    for dev in (coach, lead, coach):
        dev.sync()
    for dev in (coach, lead):
        assert set(dev.store.values("tie", tie)["support"]) == {
            "practical", "emotional", "information"}
