"""A small morning rush against a server with a tight in-flight limit: it sheds load with 429
and Retry-After, never fails, and every device's records arrive once and converge."""

from __future__ import annotations

import sqlite3
from collections import Counter

from app.sync.client import SyncClient
from wijkweb_protocol import DELETED

from .run import ServerProcess
from .rush import enroll_fleet, rush


def test_a_rush_is_shed_with_429_and_every_record_arrives(tmp_path):
    db = tmp_path / "server.db"
    fleet = enroll_fleet(db, tmp_path, devices=60, team_size=20)
    server = ServerProcess(db, "--max-in-flight", "2")
    url = f"http://127.0.0.1:{server.start()}"
    try:
        recorder, _ = rush(fleet, url, threads=30, batch=5, seconds=300)
        recorder.shutdown()
        for dev in fleet:  # one more round each, once all have pushed
            with SyncClient(dev.store, dev.config) as client:
                client.sync()
    finally:
        server.stop()
    statuses = Counter(status for _, status, _, _ in recorder.exchanges)
    assert statuses[429] > 0  # the server shed load ...
    assert all(ra == "1" for _, st, _, ra in recorder.exchanges if st == 429)
    assert not [s for s in statuses if s >= 500]  # ... and never failed
    assert all(d.done and d.store.pending_count() == 0 for d in fleet)

    con = sqlite3.connect(db)
    on_server = set(con.execute("SELECT team, id FROM rows WHERE kind = 'resident'"))
    logged = con.execute("SELECT count(*) FROM changes c JOIN rows r ON r.rid = c.row "
                         "WHERE r.kind = 'resident'").fetchone()[0]
    con.close()
    sent = {(d.config.teams[0], i) for d in fleet for i in d.records}
    assert on_server == sent and logged == len(sent)  # every record, each once
    for dev in fleet:
        team = dev.config.teams[0]
        live = {i for i, v in dev.store.all_rows("resident").items() if not v[DELETED]}
        assert live == {i for t, i in sent if t == team}
        dev.store.close()
