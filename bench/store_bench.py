"""Local store speed with a big caseload: 50,000 residents and 200,000 contacts on one device.

Prints p50/p99 for saving a contact, resident search per keystroke and opening a resident page,
and the time of the one-off rebuild of the folded search index on upgrade (migration 003).
Run: ``python bench/store_bench.py [--residents N --contacts N] [--encrypted]`` (``--encrypted``:
the SQLCipher database the app uses). Figures go to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.domain.models import Household, Resident  # noqa: E402
from app.security.keyslot import new_data_key  # noqa: E402
from app.store import Store, migrations  # noqa: E402
from wijkweb_protocol import DELETED, Clock, add_items, make_stamp, new_id  # noqa: E402

STREETS = ["Lindelaan", "Esdoornstraat", "Pleinweg", "Kastanjehof", "Wilgenpad", "Beukenrode",
           "Dahliastraat", "Havenkade", "Molenwerf", "Zonnebloemlaan"]
FIRST = ["Ayşe", "Mohamed", "Sanne", "Jan", "Fatima", "Kevin", "Priya", "Daan", "Noor", "Youssef",
         "Emma", "Bram", "Lotte", "Ibrahim", "Chantal", "Sven"]
LAST = ["Yilmaz", "de Boer", "Bakker", "El Amrani", "Jansen", "Visser", "Kaya", "Smit",
        "Mulder", "Pinas", "de Vries", "Bouzid"]


def seed(store: Store, team: str, residents: int, contacts: int, rnd: random.Random) -> list[str]:
    """Fill the store as a pull from the server would: pages applied through ``apply_remote``."""
    clock = Clock("seed")
    page: list[dict] = []
    resident_ids: list[str] = []

    def emit(kind: str, values: dict) -> str:
        row_id = new_id()
        stamp = make_stamp(clock.now(), "seed")
        fields = {k: [add_items(None, v, stamp) if isinstance(v, list) else v, stamp]
                  for k, v in values.items()} | {DELETED: [False, stamp]}
        page.append({"kind": kind, "id": row_id, "team": team, "fields": fields})
        if len(page) >= 5000:
            store.apply_remote(page)
            page.clear()
        return row_id

    for _ in range(residents // 2):
        street = rnd.choice(STREETS)
        hh = emit("household", {"name": f"Fam. {rnd.choice(LAST)}", "street": street,
                                "house_number": str(rnd.randint(1, 200))})
        for _ in range(2):
            resident_ids.append(emit("resident", {
                "household_id": hh, "name": f"{rnd.choice(FIRST)} {rnd.choice(LAST)}",
                "ambitions": ["werk vinden"], "talents": ["koken"], "obstacles": []}))
    start = datetime.now(UTC) - timedelta(days=365)
    for i in range(contacts):
        at = start + timedelta(minutes=i * 365 * 24 * 60 // contacts)
        emit("contact", {"at": at.isoformat(), "street": rnd.choice(STREETS),
                         "resident_ids": [rnd.choice(resident_ids)], "channel": "street",
                         "themes": ["housing"], "note": "Kort gesprek over de buurt."})
    for _ in range(residents // 10):
        emit("agreement", {"what": "Formulier invullen", "resident_id": rnd.choice(resident_ids),
                           "due": (start + timedelta(days=rnd.randint(0, 400))).date().isoformat(),
                           "status": "open"})
    store.apply_remote(page)
    return resident_ids


def pct(samples: list[float], q: float) -> float:
    return statistics.quantiles(samples, n=100)[q - 1] if len(samples) > 1 else samples[0]


def report(name: str, samples_s: list[float]) -> None:
    ms = [s * 1000 for s in samples_s]
    print(f"{name:<34} p50 {pct(ms, 50):7.2f} ms   p99 {pct(ms, 99):7.2f} ms   (n={len(ms)})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--residents", type=int, default=50_000)
    ap.add_argument("--contacts", type=int, default=200_000)
    ap.add_argument("--encrypted", action="store_true", help="SQLCipher, as in the app")
    args = ap.parse_args()
    rnd = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.sqlite", new_data_key() if args.encrypted else None)
        team = new_id()
        t0 = time.perf_counter()
        residents = seed(store, team, args.residents, args.contacts, rnd)
        print(f"seeded {args.residents} residents + {args.contacts} contacts "
              f"in {time.perf_counter() - t0:.1f} s")

        saves = []
        for _ in range(300):
            t = time.perf_counter()
            store.create("contact", team, {"at": datetime.now(UTC), "street": "Lindelaan",
                                           "resident_ids": [rnd.choice(residents)],
                                           "channel": "street", "themes": ["youth"],
                                           "note": "Gesprek bij het plein"})
            saves.append(time.perf_counter() - t)
        report("save a contact", saves)

        keystrokes = []
        for word in ["y", "yi", "yil", "yilm", "linde", "lindel", "moh", "moha", "de b", "de bo",
                     "ays", "ayse", "AYŞE"]:
            for _ in range(5):
                t = time.perf_counter()
                store.search_residents(word, limit=50)
                keystrokes.append(time.perf_counter() - t)
        report("resident search per keystroke", keystrokes)

        t = time.perf_counter()
        with store.transaction():  # what an upgraded app does once: migration 003
            for statement in migrations._statements(migrations.steps()[2][1]):
                store._db.execute(statement)
        print(f"rebuild the folded search index     {time.perf_counter() - t:.2f} s")

        pages = []
        for rid in rnd.sample(residents, 200):
            t = time.perf_counter()
            store.get(Resident, rid)
            r = store.get(Resident, rid)
            store.get(Household, r.household_id)
            store.timeline(rid)
            store.ties(rid)
            store.open_agreements(resident_id=rid)
            pages.append(time.perf_counter() - t)
        report("open a resident page", pages)
        store.close()


if __name__ == "__main__":
    main()
