"""The new primary worker's side of a warm handover, on a phone: Vandaag tells them a household
was handed over, the summary opens, and "Gelezen" marks it read (checked in the database)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from app.demo import seed
from app.domain.models import Handover
from app.services import handover
from tests.e2e.harness import PHONE, AppServer, announced, device_store, open_app, tap

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[AppServer]:
    data_dir = tmp_path_factory.mktemp("taker")
    store = device_store(data_dir)
    try:
        ids = seed(store)
        earlier = set(store.all_rows("handover"))  # the demo's history has handovers of its own
        leaving, taker, lead = ids["workers"][0], ids["workers"][2], ids["workers"][4]
        result, errors = handover.hand_over(store, leaving, taker, by_worker=lead)
        assert not errors and result.households
        store.set_meta("worker_id", taker)  # this is Petra's phone
    finally:
        store.close()
    srv = AppServer(data_dir, seed_demo=False).start()
    srv.ids = {**ids, "handed": sorted(result.households), "earlier": earlier}
    yield srv
    srv.stop()


def test_the_new_worker_reads_the_handover_on_vandaag(browser, server):
    page = open_app(browser, server.url, PHONE)
    count = len(server.ids["handed"])
    banner = page.get_by_role("button", name=re.compile(rf"Je hebt {count} huishouden"))
    tap(page, banner.first)
    read = page.get_by_role("button", name="Gelezen", exact=True)
    expect(read).to_have_count(count)
    tap(page, read.first)
    announced(page, "Gemarkeerd als gelezen.")
    expect(read).to_have_count(count - 1)

    rows = [h for h in server.rows(Handover) if h.id not in server.ids["earlier"]]
    assert sorted(h.household_id for h in rows) == server.ids["handed"]
    assert sum(h.seen for h in rows) == 1
