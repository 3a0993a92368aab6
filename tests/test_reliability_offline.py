"""Long offline: a device whose cursor predates compaction resets, keeps its unsent work, and
brings back nothing that was deleted or erased meanwhile."""

from __future__ import annotations

from wijkweb_protocol import DELETED


def live(dev) -> dict[str, dict]:
    return {i: v for i, v in dev.store.all_rows("resident").items() if not v[DELETED]}


def test_offline_past_compaction_resets_and_resurrects_nothing(fleet):
    team = fleet.harness.team()
    away, office = fleet.device([team]), fleet.device([team])
    names = ("verwijderd", "gewist", "bewaard", "offline bewerkt en gewist")
    deleted, purged, kept, edited_purged = (
        office.store.create("resident", team, {"name": n}) for n in names)
    office.sync()
    away.sync()

    away.store.update("resident", kept, {"name": "bewaard, offline bewerkt"})
    away.store.update("resident", edited_purged, {"name": "nog bewerkt"})
    new = away.store.create("resident", team, {"name": "offline nieuw"})
    office.store.delete("resident", deleted)
    office.sync()
    fleet.harness.store.purge("resident", purged)
    fleet.harness.store.purge("resident", edited_purged)
    fleet.harness.store.compact()  # the erasure notices leave the feed

    result = away.sync()
    assert result.resets == 1
    assert away.store.pending_count() == 0 and away.store.rejected() == []
    assert set(live(away)) == {kept, new}
    assert live(away)[kept]["name"] == "bewaard, offline bewerkt"
    for gone in (purged, edited_purged):
        assert away.store.values("resident", gone) is None
    office.sync()
    assert away.state() == office.state()
    fresh = fleet.device([team])
    fresh.sync()
    assert set(live(fresh)) == {kept, new}
    history = fleet.harness.store.history([team], "resident", edited_purged)
    assert history["purged"] and history["changes"] == []


def test_an_edit_made_during_the_reset_does_not_keep_an_erased_row(fleet):
    """The user edits a row between the push and the pull that resets: the row survives the
    reset (it has an unsent change), is no longer in the feed, and the push answer removes it."""
    team = fleet.harness.team()
    dev, lead = fleet.device([team]), fleet.device([team])
    rid = lead.store.create("resident", team, {"name": "Wordt gewist"})
    lead.sync()
    dev.sync()
    fleet.harness.store.purge("resident", rid)
    fleet.harness.store.compact()
    with dev.client() as client:
        client.push()  # nothing to send yet
        dev.store.update("resident", rid, {"name": "net nog bewerkt"})
        client.pull()  # 410 compacted: the row stays, for its unsent change
    assert dev.store.values("resident", rid) is not None
    dev.sync()
    assert dev.store.values("resident", rid) is None
    assert dev.store.pending_count() == 0
    assert fleet.harness.store.history([team], "resident", rid)["changes"] == []
