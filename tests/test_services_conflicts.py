"""Conflicts and history as a team lead sees them, against a real server (real HTTP)."""

from __future__ import annotations

import pytest
from sync_fixtures import make_conflict

from app.services import conflicts as service
from app.sync import errors
from app.sync.client import Backoff
from app.sync.team import TeamLead


@pytest.fixture
def scene(fleet):  # noqa: ANN001, ANN201
    """A lead and two coaches; the coaches edited one household's street at the same time."""
    team = fleet.harness.team()
    boss = fleet.device([team], role="team_lead")
    a, b, rid = make_conflict(fleet, team)
    boss.sync()
    lead = TeamLead(boss.store, boss.config, backoff=Backoff(attempts=2, sleep=lambda s: None))
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


def test_keep_merged_only_marks_it_reviewed(scene):
    boss, _, _, rid, lead = scene
    [row] = service.load(boss.store, lead)
    service.keep_merged(lead, row)
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
