"""``TeamLead``: a team lead's calls through the sync client's seam, against a real server."""

from __future__ import annotations

import socket
from dataclasses import replace

import pytest
from sync_fixtures import make_conflict

from app.sync import errors
from app.sync.client import RequestRetry
from app.sync.team import TeamLead


def lead_of(dev, **kw) -> TeamLead:  # noqa: ANN001, ANN003
    kw.setdefault("retry", RequestRetry(attempts=2, sleep=lambda s: None))
    return TeamLead(dev.store, dev.config, **kw)


def test_conflicts_review_and_history(fleet):
    team = fleet.harness.team()
    boss = fleet.device([team], role="team_lead")
    _, _, rid = make_conflict(fleet, team)
    with lead_of(boss) as lead:
        [conflict] = lead.conflicts()
        assert conflict["row_id"] == rid and conflict["field"] == "street"
        assert lead.review(conflict["id"]) == {"id": conflict["id"], "reviewed": True}
        assert lead.conflicts() == []
        assert len(lead.conflicts(include_reviewed=True)) == 1
        changes = lead.history("household", rid)["changes"]
    streets = [c["fields"]["street"][0] for c in changes if "street" in c["fields"]]
    assert streets[0] == "Lindelaan" and set(streets[1:]) == {"Esdoornstraat", "Pleinweg"}


def test_devices_enrollment_and_revoke(fleet):
    team = fleet.harness.team()
    boss = fleet.device([team], role="team_lead")
    coach = fleet.device([team])
    with lead_of(boss) as lead:
        workers = {w["id"]: w for w in lead.devices()}
        assert workers[coach.config.worker]["devices"][0]["id"] == coach.config.device
        ticket = lead.new_enrollment(coach.config.worker, hours=3)
        assert len(ticket["code"]) == 14 and ticket["expires"].endswith("Z")
        assert lead.revoke(coach.config.device)["revoked"] is True
    with pytest.raises(errors.DeviceRevoked):
        coach.sync()


def test_scope_and_role_errors_map_to_sync_errors(fleet):
    north, south = fleet.harness.team("Noord"), fleet.harness.team("Zuid")
    boss, coach = fleet.device([north], role="team_lead"), fleet.device([north])
    stranger = fleet.device([south])
    with lead_of(coach) as as_coach:
        with pytest.raises(errors.Forbidden):
            as_coach.devices()
    with lead_of(boss) as lead:
        with pytest.raises(errors.BadRequest) as err:
            lead.revoke(stranger.config.device)
        assert err.value.code == "not_found"
        with pytest.raises(errors.BadRequest) as err:
            lead.new_enrollment(stranger.config.worker)
        assert err.value.code == "not_found"
        with pytest.raises(errors.BadRequest) as err:
            lead.new_enrollment(coach.config.worker, hours=500)
        assert err.value.code == "bad_request"


def test_offline_and_not_enrolled(fleet):
    team = fleet.harness.team()
    boss = fleet.device([team], role="team_lead")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    gone = replace(boss.config, server=f"http://127.0.0.1:{port}")
    slept: list[float] = []
    with TeamLead(boss.store, gone, retry=RequestRetry(attempts=2, sleep=slept.append)) as lead:
        with pytest.raises(errors.Offline):
            lead.conflicts()
    assert len(slept) == 1  # retried once, like every call of the seam
    with pytest.raises(errors.NotEnrolled):
        TeamLead(boss.store, None)


def test_a_handover_reaches_the_new_primary_workers_device(fleet):
    from app.services import context, handover

    team = fleet.harness.team()
    boss = fleet.device([team], role="team_lead")
    leaving, taking = fleet.device([team]), fleet.device([team])
    lead_id, leaving_id, taking_id = (context.current(d.store).worker_id
                                      for d in (boss, leaving, taking))
    home = leaving.store.create("household", team, {
        "name": "Fam. Yilmaz", "street": "Lindelaan", "primary_worker_id": leaving_id})
    leaving.sync()
    boss.sync()
    result, errors = handover.hand_over(boss.store, leaving_id, taking_id, by_worker=lead_id)
    assert errors == {} and result.households == {home: taking_id}
    boss.sync()
    taking.sync()

    [got] = handover.received(taking.store, taking_id)
    assert (got.summary.household_id, got.summary.name) == (home, "Fam. Yilmaz")
    assert (got.handover.from_worker_id, got.handover.by_worker_id) == (leaving_id, lead_id)
    handover.mark_seen(taking.store, got.handover.id)
    taking.sync()
    boss.sync()
    assert handover.received(taking.store, taking_id) == []
    assert boss.store.get(type(got.handover), got.handover.id).seen
