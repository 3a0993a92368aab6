"""Exports made offline reach the server's audit log at the next sync, exactly once."""

from __future__ import annotations

from datetime import date

from app.services import reports
from app.services.overview import Period
from app.sync import errors, exports_log


def _exported(fleet):
    return [e for e in fleet.harness.store.audit_log() if e["action"] == "exported"]


def test_an_export_made_offline_is_reported_at_the_next_sync(fleet, tmp_path):
    team = fleet.harness.team()
    lead = fleet.device([team], role="team_lead")
    lead.store.create("contact", team, {"at": "2026-03-02T10:00:00+00:00", "note": "gesprek",
                                        "channel": "street"})
    url = lead.config.server
    lead.config.server = "http://127.0.0.1:9"  # offline: nothing listens there
    reports.export(lead.store, Period(date(2026, 3, 1), date(2026, 3, 31)),
                   out_dir=tmp_path / "out")
    try:
        lead.sync()
    except errors.Offline:
        pass
    assert [e["what"] for e in exports_log.pending(lead.store)] == ["report_pdf", "report_csv"]
    assert _exported(fleet) == []

    lead.config.server = url
    lead.sync()
    lead.sync()  # a second round sends nothing again
    got = _exported(fleet)
    assert [(e["kind"], e["count"]) for e in got] == [("report_pdf", 0), ("report_csv", 1)]
    assert exports_log.pending(lead.store) == []


def test_a_refused_entry_does_not_wedge_the_queue(fleet):
    team, other = fleet.harness.team(), fleet.harness.team()
    lead = fleet.device([team], role="team_lead")
    exports_log.queue(lead.store, "report_csv", 3)
    lead.store.set_meta(exports_log.KEY, lead.store.meta(exports_log.KEY).replace(team, other))
    exports_log.queue(lead.store, "report_csv", 5)
    lead.sync()
    assert [(e["kind"], e["count"]) for e in _exported(fleet)] == [("report_csv", 5)]
    assert exports_log.pending(lead.store) == []
