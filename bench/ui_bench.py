"""Browser time from page load to the first usable "Vandaag" screen, with a big caseload.

The app serves 50,000 residents and 200,000 contacts (plus the demo team) from its local store;
headless Chromium loads it five times. The database is encrypted and every load starts at the
lock screen: measured are the load up to the PIN field, and from tapping "Ontgrendelen" with the
PIN (typed by the harness) to usable. "Usable" means the "Nieuw contact" button is in the
accessibility tree, i.e. a person could tap it. Run: ``python bench/ui_bench.py``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from playwright.sync_api import sync_playwright  # noqa: E402
from store_bench import seed as seed_caseload  # noqa: E402

from app.demo import seed as seed_demo  # noqa: E402
from tests.e2e.harness import (  # noqa: E402
    PHONE,
    PIN,
    AppServer,
    device_store,
    fill,
    launch,
    open_app,
)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--residents", type=int, default=50_000)
    ap.add_argument("--contacts", type=int, default=200_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = device_store(Path(tmp))
        ids = seed_demo(store)
        seed_caseload(store, str(ids["team"]), args.residents, args.contacts, random.Random(3))
        store.close()
        app = AppServer(Path(tmp), seed_demo=False).start()
        times, unlocks = [], []
        try:
            with sync_playwright() as p:
                browser = launch(p)
                for _ in range(args.runs):
                    t0 = time.perf_counter()
                    page = open_app(browser, app.url, PHONE, pin=None)
                    button = page.get_by_role("button", name="Ontgrendelen", exact=True)
                    button.wait_for()
                    times.append(time.perf_counter() - t0)
                    fill(page, "Pincode", PIN)
                    t1 = time.perf_counter()
                    button.click()
                    page.get_by_role("button", name="Nieuw contact").first.wait_for()
                    unlocks.append(time.perf_counter() - t1)
                    page.context.close()
                browser.close()
        finally:
            app.stop()
    print(f"page load to the PIN field ({args.residents:,} residents, {args.contacts:,} "
          f"contacts): median {statistics.median(times):.2f} s, max {max(times):.2f} s "
          f"(n={len(times)})")
    print(f"unlock to usable Vandaag: median {statistics.median(unlocks):.2f} s, "
          f"max {max(unlocks):.2f} s")


if __name__ == "__main__":
    main()
