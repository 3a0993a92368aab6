"""Conflicts and history as a team lead sees them, against a real server (real HTTP)."""

from __future__ import annotations

import json

import pytest
from sync_fixtures import make_conflict

from app.services import conflicts as service
from app.sync import errors
from app.sync.client import RequestRetry
from app.sync.team import TeamLead


@pytest.fixture
def scene(fleet):  # noqa: ANN001, ANN201
    """A lead and two coaches; the coaches edited one household's street at the same time."""
    team = fleet.harness.team()
    boss = fleet.device([team], role="team_lead")
    a, b, rid = make_conflict(fleet, team)
    boss.sync()
    lead = TeamLead(boss.store, boss.config, retry=RequestRetry(attempts=2, sleep=lambda s: None))
    yield boss, a, b, rid, lead
    lead.close()


def test_a_conflict_shows_both_values_and_who_wrote_them(scene):
    boss, a, b, rid, lead = scene
    [row] = service.load(boss.store, lead)
    assert (row.kind, row.row_id, row.field, row.label) == ("household", rid, "street",
                                                             "Fam. Bakker")
    assert {row.kept.value, row.other.value} == {"Esdoornstraat", "Pleinweg"}
    by_device = {a.config.device: "Medewerker 1", b.config.device: "Medewerker 2"}
    assert row.kept.who == by_device[row.kept.device]
    assert row.other.who == by_device[row.other.device]
    assert row.at is not None and row.at.tzinfo is not None and row.restorable
    assert boss.store.values("household", rid)["street"] == row.kept.value


def test_keeping_the_current_value_only_marks_it_reviewed(scene):
    boss, _, _, rid, lead = scene
    [row] = service.load(boss.store, lead)
    service.keep_current(lead, row)
    assert service.load(boss.store, lead) == []
    assert boss.store.pending_count() == 0
    assert boss.store.values("household", rid)["street"] == row.kept.value


def test_restoring_the_other_value_is_an_edit_that_syncs(scene):
    boss, a, _, rid, lead = scene
    [row] = service.load(boss.store, lead)
    assert service.restore_other(boss.store, lead, row) is True
    assert boss.store.values("household", rid)["street"] == row.other.value
    assert boss.store.pending_count() == 1
    assert service.load(boss.store, lead) == []
    boss.sync()
    a.sync()
    assert a.store.values("household", rid)["street"] == row.other.value


def test_a_record_this_device_lacks_is_not_restored(scene, fleet):
    _, _, _, _, lead = scene
    newcomer = fleet.device([fleet.devices[0].team], role="team_lead")  # never synced
    [row] = service.load(newcomer.store, lead)
    assert row.label == ""
    assert service.restore_other(newcomer.store, lead, row) is False
    assert len(service.load(newcomer.store, lead)) == 1


def test_history_lists_every_field_change_with_its_author(scene):
    _, a, b, rid, lead = scene
    entries = service.history(lead, "household", rid)
    streets = [(e.who, e.value) for e in entries if e.field == "street"]
    assert streets[0] == ("Medewerker 1", "Lindelaan")
    assert set(streets[1:]) == {("Medewerker 1", "Esdoornstraat"),
                                ("Medewerker 2", "Pleinweg")}
    assert all(e.at is not None for e in entries)
    with pytest.raises(errors.BadRequest) as err:
        service.history(lead, "household", "00000000-0000-4000-8000-000000000000")
    assert err.value.code == "not_found"


def test_open_lead_without_enrollment(scene, tmp_path):
    boss, *_ = scene
    with pytest.raises(errors.NotEnrolled):
        service.open_lead(boss.store, tmp_path / "nothing-here")
    with pytest.raises(errors.NotEnrolled):
        service.open_lead(boss.store, None)
    with service.open_lead(boss.store, boss.data_dir) as lead:
        assert len(lead.conflicts()) == 1


def test_the_inbox_says_overwritten_never_merged(scene):
    from app.i18n import set_language
    from app.ui.conflicts import outcome

    boss, *_, lead = scene
    [row] = service.load(boss.store, lead)
    set_language("nl")
    said = outcome(row, str)
    assert said.startswith("Overschreven door ") and row.other.value in said
    assert "amengevoegd" not in said


def test_concurrent_dreams_are_both_kept_and_make_no_conflict(fleet):
    """The coach adds "fietsles volgen" while the lead adds "werk in de bakkerij", both offline:
    after syncing, both devices and the server hold both, and the inbox stays empty."""
    from app.services import residents

    team = fleet.harness.team()
    boss, coach = fleet.device([team], role="team_lead"), fleet.device([team])
    rid = coach.store.create("resident", team, {"name": "Ayşe", "ambitions": ["zwemmen"]})
    coach.sync()
    boss.sync()
    assert residents.add_to_list(coach.store, rid, "ambitions", "fietsles volgen") == {}
    assert residents.add_to_list(boss.store, rid, "ambitions", "werk in de bakkerij") == {}
    for dev in (coach, boss, coach):
        dev.sync()
    both = {"zwemmen", "fietsles volgen", "werk in de bakkerij"}
    assert set(coach.store.values("resident", rid)["ambitions"]) == both
    assert coach.store.values("resident", rid) == boss.store.values("resident", rid)
    with TeamLead(boss.store, boss.config) as lead:
        assert service.load(boss.store, lead) == []
        adds = [e.value for e in service.history(lead, "resident", rid)
                if e.field == "ambitions"]
    assert ["fietsles volgen"] in adds and ["werk in de bakkerij"] in adds


def test_a_list_conflict_from_before_sets_names_what_it_lost_and_adds_it_back(fleet):
    """Protocol 1 recorded concurrent list edits as overwrites; the inbox names the lost items
    (never "merged") and restoring adds them back without taking away what stands."""
    from app.i18n import set_language
    from app.ui.conflicts import outcome

    team = fleet.harness.team()
    boss, coach = fleet.device([team], role="team_lead"), fleet.device([team])
    rid = boss.store.create("resident", team, {"name": "Ayşe",
                                               "ambitions": ["werk in de bakkerij"]})
    boss.sync()
    kept = ["werk in de bakkerij"], f"00000000000000ff@{boss.config.device}"
    lost = ["zwemmen", "fietsles volgen"], f"00000000000000fe@{coach.config.device}"
    with fleet.harness.store._write() as db:  # as the protocol-1 server recorded it
        db.execute("INSERT INTO conflicts (kind, row_id, field, winner, loser, team, created_at) "
                   "VALUES ('resident', ?, 'ambitions', ?, ?, ?, '2026-11-01T10:00:00Z')",
                   (rid, json.dumps(kept), json.dumps(lost), team))
    with TeamLead(boss.store, boss.config) as lead:
        [row] = service.load(boss.store, lead)
        assert row.is_list and row.lost == ["zwemmen", "fietsles volgen"] and row.restorable
        set_language("nl")
        assert outcome(row, ", ".join).startswith("Toevoegingen van ")
        assert service.restore_other(boss.store, lead, row) is True
    assert boss.store.values("resident", rid)["ambitions"] == [
        "werk in de bakkerij", "zwemmen", "fietsles volgen"]
