"""Refused changes are never silent: counted in the sync status and on the badge, listed in
plain words, corrected by a normal edit that sends them again, or discarded; and the team lead
sees per device how many each holds. Real server, real devices over HTTP."""

from __future__ import annotations

from app.i18n import DEFAULT, set_language
from app.services import devices, refused
from app.services.sync import SyncStatus, badge
from app.sync.runner import SyncRunner
from app.sync.team import TeamLead
from tests.sync_fixtures import Fleet


def test_badge_never_says_up_to_date_while_changes_are_refused():
    set_language(DEFAULT)
    b = badge(SyncStatus(pending=0, enrolled=True, refused=2))
    assert b.text == "2 geweigerd" and b.refused == 2
    assert "Geweigerd door de server: 2." in b.tooltip
    assert badge(SyncStatus(pending=3, enrolled=True, last_error="offline", refused=1)).text == \
        "1 geweigerd"
    assert badge(SyncStatus(pending=0, enrolled=True)).text == "Bijgewerkt"


def test_refused_change_is_counted_listed_corrected_and_sent_again(make_server, tmp_path):
    """One save wrote a resident of the coach's team and one of another team: the server
    refuses the whole save. Correcting the resident (a normal edit) sends all of it again."""
    set_language(DEFAULT)
    fleet = Fleet(make_server(), tmp_path)
    noord, zuid = fleet.harness.team("Noord"), fleet.harness.team("Zuid")
    coach, other = fleet.device([noord]), fleet.device([noord])
    with coach.store.transaction():
        rid = coach.store.create("resident", noord, {"name": "Ayşe Kaya",
                                                     "ambitions": ["fietsles volgen"]})
        coach.store.create("resident", zuid, {"name": "Verkeerd Team"})
    runner = SyncRunner(coach.store, coach.data_dir)
    runner.run_once()
    status = runner.status()
    assert (status.refused, status.pending, status.last_error) == (2, 0, None)

    mine, stray = refused.load(coach.store)
    assert mine.record == "Bewoner: Ayşe Kaya" and stray.record == "Bewoner: Verkeerd Team"
    assert mine.fields == "nieuw dossier (alle velden)"
    assert mine.reason.startswith("Deze wijziging is samen met een andere opgeslagen")
    assert stray.reason.startswith("Je hoort (niet meer) bij het team")
    assert mine.route == f"resident/{rid}" and mine.correctable
    assert not stray.correctable and stray.route is None  # only discarding helps

    coach.store.update("resident", rid, {"birth_year": 1984})  # the correction
    assert [r.record for r in refused.load(coach.store)] == ["Bewoner: Verkeerd Team"]
    runner.run_once()
    assert runner.status().refused == 1
    other.sync()
    there = other.store.values("resident", rid)
    assert there is not None  # the whole record arrived, not only the corrected field
    assert (there["name"], there["ambitions"], there["birth_year"]) == (
        "Ayşe Kaya", ["fietsles volgen"], 1984)
    fleet.close()


def test_discarding_a_refused_new_record_removes_it_here(make_server, tmp_path):
    set_language(DEFAULT)
    fleet = Fleet(make_server(), tmp_path)
    noord, zuid = fleet.harness.team("Noord"), fleet.harness.team("Zuid")
    coach = fleet.device([noord])
    stray = coach.store.create("resident", zuid, {"name": "Verkeerd Team"})
    result = coach.sync()
    assert [r["code"] for r in result.rejected] == ["forbidden_team"]
    [row] = refused.load(coach.store)
    assert row.fields == "nieuw dossier (alle velden)"
    assert refused.discard(coach.store, row.seq)
    assert not refused.discard(coach.store, row.seq)  # gone already
    assert coach.store.values("resident", stray) is None and coach.store.rejected_count() == 0
    fleet.close()


def test_discarding_a_refused_edit_brings_the_servers_copy_back(make_server, tmp_path):
    set_language(DEFAULT)
    fleet = Fleet(make_server(), tmp_path)
    noord, zuid = fleet.harness.team("Noord"), fleet.harness.team("Zuid")
    coach = fleet.device([noord])
    hid = coach.store.create("household", noord, {"name": "Fam. Bakker", "street": "Lindelaan"})
    coach.sync()
    with coach.store.transaction():
        coach.store.update("household", hid, {"street": "Esdoornstraat"})
        coach.store.create("resident", zuid, {"name": "Verkeerd Team"})
    coach.sync()
    edit = next(r for r in refused.load(coach.store) if r.kind == "household")
    assert edit.fields == "Straat" and edit.record == "Huishouden: Fam. Bakker"
    assert refused.discard(coach.store, edit.seq)
    coach.sync()
    values = coach.store.values("household", hid)
    assert values is not None and values["street"] == "Lindelaan"
    assert coach.store.pending_count() == 0 and coach.store.rejected_count() == 1
    fleet.close()


def test_the_field_the_server_names_is_the_one_shown(store, team):
    set_language(DEFAULT)
    store.create("household", team, {"name": "Fam. Smit", "street": "Irisplein"})
    [change] = store.outbox()
    store.reject_tx(change.tx, "field_too_large", "too large", "street")
    [row] = refused.load(store)
    assert (row.fields, row.route) == ("Straat", None)
    assert row.reason == "Een veld is te lang voor de server; maak het korter."
    assert refused.reason("teapot") == "De server weigerde deze wijziging (code teapot)."


def test_team_lead_sees_refused_changes_per_device(make_server, tmp_path):
    fleet = Fleet(make_server(), tmp_path)
    noord, zuid = fleet.harness.team("Noord"), fleet.harness.team("Zuid")
    coach, lead = fleet.device([noord]), fleet.device([noord], role="team_lead")
    for name in ("Een", "Twee"):
        coach.store.create("resident", zuid, {"name": name})
    coach.sync()

    def counts() -> dict[str, int]:
        with TeamLead(lead.store, lead.config) as tl:
            return {d.id: d.refused for w in devices.load(tl) for d in w.devices}

    assert counts()[coach.config.device] == 2 and counts()[lead.config.device] == 0
    for row in refused.load(coach.store):
        refused.discard(coach.store, row.seq)
    coach.sync()
    assert counts()[coach.config.device] == 0
    fleet.close()


def test_refused_count_must_be_a_whole_number(make_server, tmp_path):
    fleet = Fleet(make_server(), tmp_path)
    coach = fleet.device([fleet.harness.team()])
    with coach.client() as c:
        for bad in (-1, "2", 1.5, None, True):
            try:
                c.call("POST", "/v1/device/refused", {"count": bad})
            except Exception as err:  # noqa: BLE001 - the code is what is checked
                assert getattr(err, "code", "") == "bad_request", bad
            else:
                raise AssertionError(f"{bad!r} was accepted")
    fleet.close()


def test_apparaten_says_how_many_a_device_holds_refused():
    from app.ui.devices import last_sync

    set_language(DEFAULT)
    quiet = devices.DeviceRow("d1", "Telefoon", None, False, False)
    assert last_sync(quiet) == "Nog nooit gesynchroniseerd"
    stuck = devices.DeviceRow("d2", "Telefoon", None, False, False, refused=3)
    assert last_sync(stuck) == "Nog nooit gesynchroniseerd · 3 geweigerd"


def test_a_change_refused_with_another_is_sent_again_as_it_is(make_server, tmp_path):
    """The resident was refused only for the company it was saved in: once the other change is
    discarded, "Opnieuw versturen" sends it as it is and a colleague receives it whole."""
    fleet = Fleet(make_server(), tmp_path)
    noord, zuid = fleet.harness.team("Noord"), fleet.harness.team("Zuid")
    coach, other = fleet.device([noord]), fleet.device([noord])
    with coach.store.transaction():
        rid = coach.store.create("resident", noord, {"name": "Noor Visser"})
        coach.store.create("resident", zuid, {"name": "Verkeerd Team"})
    coach.sync()
    mine, stray = refused.load(coach.store)
    assert refused.discard(coach.store, stray.seq)
    assert refused.send_again(coach.store, mine.seq)
    assert not refused.send_again(coach.store, mine.seq)  # gone from the list already
    assert coach.store.rejected_count() == 0
    coach.sync()
    other.sync()
    there = other.store.values("resident", rid)
    assert there is not None and there["name"] == "Noor Visser"
    assert coach.store.rejected_count() == 0 and coach.store.pending_count() == 0
    fleet.close()
