"""Invented but realistic demo data: a team, its streets, workers, residents and months of work.

Used to show the app, to try it offline, and by the end-to-end tests. Every name, street and
story is made up. Deterministic for a given ``seed`` (dates are relative to today).
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from app import demo_history
from app.domain import vocab
from app.store import Store

TEAM = "Team Oostwijk"
AREAS = {
    "Bloemenbuurt": ["Tulpstraat", "Rozenstraat", "Irisplein", "Madeliefhof", "Klaproosweg",
                     "Zonnebloemlaan"],
    "Vogelkwartier": ["Merelstraat", "Spreeuwenhof", "Reigerlaan", "Kievitplein",
                      "Zwaluwstraat", "Meeuwenkade"],
}
WORKERS = [
    ("Sanne de Vries", "street_coach"),
    ("Mohamed El Amrani", "youth_worker"),
    ("Petra Jansen", "caretaker"),
    ("Kees Bakker", "community_officer"),
    ("Fatma Yıldız", "team_lead"),
]
FIRST = ["Ayşe", "Jan", "Fatima", "Pieter", "Noor", "Daan", "Samira", "Kevin", "Ilse", "Youssef",
         "Maria", "Tom", "Esra", "Ricardo", "Lotte", "Hamza", "Anouk", "Bram", "Soraya", "Gert",
         "Latifa", "Ruud", "Mila", "Dewi", "Emre", "Chantal", "Joris", "Nadia", "Wim", "Sevda"]
LAST = ["Yilmaz", "de Boer", "Bakker", "El Idrissi", "Visser", "Smit", "Mulder", "Kaya",
        "de Graaf", "Martina", "Bos", "Vos", "Peters", "Hendriks", "Aydın", "van Dijk",
        "Sedney", "Öztürk", "Brouwer", "Benali", "Koster", "Wijnands"]
AMBITIONS = ["rijbewijs halen", "werk in de zorg vinden", "eigen naaiatelier", "Nederlands leren",
             "schulden af hebben", "weer gaan voetballen", "kok worden", "een diploma halen",
             "vrijwilliger bij het buurthuis", "met de kinderen op vakantie", "een fiets kopen"]
TALENTS = ["koken", "naaien", "kan goed met kinderen", "handig met fietsen", "spreekt 4 talen",
           "tuinieren", "muziek maken", "organiseren", "luisteren", "klussen", "haar knippen"]
OBSTACLES = ["schulden", "eenzaamheid", "taalbarrière", "geen startkwalificatie",
             "gezondheid", "schimmel in de woning", "onrustige buren", "geen internet thuis",
             "mantelzorg voor moeder", "geen vast werk"]
PEOPLE = [
    ("Karim Benali", "Kickboksschool Oost", True, "kickboksles voor jongeren, rolmodel"),
    ("Annelies Groen", "Basisschool De Regenboog", True, "contact met ouders, huiswerkklas"),
    ("Henk Veldman", "VV Oostwijk", True, "voetbal, bestuur zoekt vrijwilligers"),
    ("Yusuf Demir", "Moskee Al Fath", True, "vertrouwenspersoon, bereikt vaders"),
    ("Ria Koops", "Buurthuis De Schakel", True, "ruimte, koffieochtend, naaiclub"),
    ("Gerda Pos", "Voedselbank", True, "voedselpakketten, doorverwijzing"),
    ("Bas de Wit", "Woningcorporatie Thuis", False, "reparaties, woonconsulent"),
    ("Linda Vermeer", "Schuldhulp Oost", False, "schuldhulp, budgetcoach"),
    ("Achmed Tahiri", None, False, "klusjes, helpt buren met verhuizen"),
    ("Joke Mulder", None, False, "oppas, kookt voor de buurt"),
    ("Esther Kramer", "Huisartsenpraktijk Irisplein", False, "praktijkondersteuner GGZ"),
    ("Dennis Lont", "Jongerenwerk", False, "ambulant jongerenwerk 's avonds"),
    ("Mirjam Sahin", "Taalhuis", False, "taalmaatje, NT2-les"),
    ("Peter Boon", None, False, "buurman, rijdt mensen naar het ziekenhuis"),
    ("Sylvia Dekker", "Bibliotheek Oost", False, "digitaal spreekuur, formulieren"),
]
NOTES = [
    "Kort gesproken bij de voordeur, gaat beter met de kinderen.",
    "Vraag over de huurverhoging, samen brief gelezen.",
    "Maakt zich zorgen over de jongeren op het plein.",
    "Wil graag meedoen met de koffieochtend.",
    "Post van de gemeente niet geopend, afgesproken samen te kijken.",
    "Vertelde trots over de nieuwe baan van haar zoon.",
    "Klaagt over afval naast de container.",
    "Heeft hulp nodig bij het aanvragen van toeslagen.",
    "Goed gesprek over haar droom om kok te worden.",
    "Buren hebben ruzie over geluid, bemiddeling voorgesteld.",
]
GROUPS = ["jongeren bij het pleintje", "moeders bij de school", "mannen bij de bankjes",
          "kinderen bij het speeltuintje", "bezoekers koffieochtend"]
AGREEMENTS = ["Brief van de Belastingdienst samen openen", "Aanmelden bij de naaiclub",
              "Bellen met woningcorporatie over schimmel", "Taalmaatje zoeken",
              "Afspraak schuldhulp maken", "Meegaan naar de huisarts", "CV maken",
              "Proefles kickboksen plannen", "Formulier toeslagen invullen",
              "Kennismaken met buurvrouw Joke"]
SIGNALS = [("vacancy", "Woning staat al maanden leeg"), ("litter", "Grofvuil naast containers"),
           ("nuisance", "Geluidsoverlast 's nachts"), ("subletting", "Veel wisselende bewoners"),
           ("maintenance", "Portiekverlichting kapot"), ("safety", "Onveilige oversteek school")]
INITIATIVES = [("Moestuin op het Irisplein", "Fam. Kaya en buren"),
               ("Koffieochtend op dinsdag", "Ria en vrijwilligers"),
               ("Straatvoetbal op woensdag", "Karim en de jongens"),
               ("Boekenkastje bij de school", "Juf Annelies"),
               ("Samen koken in de Schakel", "Joke Mulder"),
               ("Opruimactie Vogelkwartier", "Bewonerscommissie")]


def email(name: str) -> str:
    """A demo worker's (invented) e-mail address."""
    return f"{name.partition(' ')[0].lower()}@wijkteam.example"


def seed(store: Store, team_id: str | None = None, worker_ids: list[str] | None = None,
         months: int = 4, seed: int = 1) -> dict[str, object]:
    """Fill ``store`` with a demo neighbourhood; returns the ids a test may want.

    With ``team_id`` the team and its workers (``worker_ids``, one per ``WORKERS``) were made
    on the server, which alone may write those kinds: the device writes only what a device
    may. Without it the store stands alone (tests, benchmarks, no server): it gets a local
    team and local workers, and is never synced.
    """
    if team_id and len(worker_ids or ()) != len(WORKERS):
        raise ValueError(f"a server's team comes with its {len(WORKERS)} workers' ids")
    rng = random.Random(seed)

    def uid() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    team = team_id or uid()
    now = datetime.now(UTC).replace(microsecond=0)
    today = date.today()
    midnight = datetime.combine(today, time.min).astimezone().astimezone(UTC)  # local
    start = now - timedelta(days=30 * months)
    with store.transaction():
        if team_id:
            workers = list(worker_ids or ())
        else:  # a store on its own: the team and workers a server would have made
            store.create("team", team, {"name": TEAM}, id=team)
            workers = [store.create("worker", team, {"name": name, "role": role,
                                                      "email": email(name)}, id=uid())
                       for name, role in WORKERS]
        for name, streets in AREAS.items():
            store.create("area", team, {"name": name, "streets": streets}, id=uid())
        all_streets = [s for streets in AREAS.values() for s in streets]
        me = workers[0]

        households: list[tuple[str, str, list[str]]] = []  # (id, street, resident ids)
        residents: list[str] = []
        for _ in range(60):
            last = rng.choice(LAST)
            street = rng.choice(all_streets)
            basis = rng.choices(vocab.LEGAL_BASES, weights=[6, 2, 1, 1])[0]
            hid = uid()
            store.create("household", team, {
                "name": f"Fam. {last}", "street": street, "house_number": str(rng.randint(1, 140)),
                "primary_worker_id": rng.choices(workers, weights=[4, 2, 3, 1, 1])[0],
                "legal_basis": basis,
                "consent_date": (today - timedelta(days=rng.randint(10, 400))
                                 if basis == "consent" and rng.random() < 0.9 else None),
            }, id=hid)
            members = []
            for _ in range(rng.choices([1, 2, 3], weights=[6, 3, 1])[0]):
                rid = uid()
                store.create("resident", team, {
                    "household_id": hid, "name": f"{rng.choice(FIRST)} {last}",
                    "birth_year": rng.randint(1945, 2010) if rng.random() < 0.7 else None,
                    "ambitions": rng.sample(AMBITIONS, rng.randint(0, 2)),
                    "talents": rng.sample(TALENTS, rng.randint(0, 3)),
                    "obstacles": rng.sample(OBSTACLES, rng.randint(0, 2)),
                }, id=rid)
                members.append(rid)
            households.append((hid, street, members))
            residents += members

        people = []
        for name, org, key, offers in PEOPLE:
            pid = uid()
            store.create("network_person", team, {
                "name": name, "organisation": org, "key_figure": key, "offers": offers,
                "street": rng.choice(all_streets), "worker_id": rng.choice(workers)}, id=pid)
            people.append(pid)
        ties = 0
        for rid in residents:
            for pid in rng.sample(people, rng.choices([0, 1, 2, 3, 4], weights=[2, 3, 3, 2, 1])[0]):
                store.create("tie", team, {
                    "resident_id": rid, "person_id": pid,
                    "kind": rng.choices(vocab.TIE_KINDS, weights=[2, 3, 3, 3, 2])[0],
                    "support": rng.sample(vocab.SUPPORT_KINDS, rng.randint(1, 2)),
                    "strength": rng.choices(vocab.STRENGTHS, weights=[5, 4, 1])[0]}, id=uid())
                ties += 1

        by_street: dict[str, list[str]] = {}
        for _, street, members in households:
            by_street.setdefault(street, []).extend(members)
        contacts = []
        total = 150 * months  # ~150 contacts a month across the team
        for i in range(total):
            if i < 4:  # a few of mine today, so "Vandaag" shows a morning's round
                at = max(now - timedelta(minutes=25 * (i + 1)),  # still today just after midnight
                         midnight + (now - midnight) * (i + 1) / 5)
                worker = me
            else:
                at = start + timedelta(seconds=rng.randint(0, int((now - start).total_seconds())))
                at = at.replace(hour=rng.randint(8, 20))
                if at > now:
                    at -= timedelta(days=1)
                worker = rng.choices(workers, weights=[4, 3, 3, 1, 1])[0]
            street = rng.choice(all_streets)
            values: dict[str, Any] = {
                "at": at, "worker_id": worker, "street": street,
                "channel": rng.choices(vocab.CHANNELS, weights=[6, 3, 2, 1, 2])[0],
                "themes": rng.sample(vocab.THEMES, rng.randint(1, 2)),
                "note": rng.choice(NOTES), "follow_up": rng.random() < 0.12}
            if rng.random() < 0.15:
                values["group_size"] = rng.randint(2, 9)
                values["group_label"] = rng.choice(GROUPS)
            else:
                pool = by_street.get(street) or residents
                values["resident_ids"] = rng.sample(pool, min(len(pool), rng.choice([1, 1, 2])))
            cid = uid()
            store.create("contact", team, values, id=cid)
            contacts.append((cid, values))

        agreements = 0
        for cid, values in contacts:
            if not values["follow_up"] and rng.random() > 0.04:
                continue
            rid = (values.get("resident_ids") or [None])[0]
            day = values["at"].date()
            due = day + timedelta(days=rng.randint(3, 21))
            owner_kind = rng.choices(vocab.OWNER_KINDS, weights=[5, 3, 1])[0] if rid else "worker"
            owner = {"worker": values["worker_id"], "resident": rid,
                     "network_person": rng.choice(people)}[owner_kind]
            status = "open" if due >= today - timedelta(days=14) or rng.random() < 0.25 else (
                rng.choices(["done", "cancelled"], weights=[5, 1])[0])
            store.create("agreement", team, {
                "what": rng.choice(AGREEMENTS), "owner_kind": owner_kind, "owner_id": owner,
                "resident_id": rid, "due": due, "status": status, "contact_id": cid,
                "worker_id": values["worker_id"]}, id=uid())
            agreements += 1
        for what in AGREEMENTS[:3]:  # mine, due today
            store.create("agreement", team, {
                "what": what, "owner_kind": "worker", "owner_id": me,
                "resident_id": rng.choice(residents), "due": today, "worker_id": me}, id=uid())

        for _ in range(25):
            rid = rng.choice(residents)
            day = today - timedelta(days=rng.randint(5, 30 * months))
            outcome = rng.choices(vocab.ACTIVATION_OUTCOMES, weights=[2, 3, 2, 1])[0]
            store.create("activation", team, {
                "resident_id": rid, "person_ids": rng.sample(people, rng.choice([1, 1, 2])),
                "request": rng.choice(["Samen naar de naaiclub", "Proefles kickboksen",
                                       "Hulp bij verhuizen", "Taalmaatje",
                                       "Meegaan naar schuldhulp", "Oppas op woensdag"]),
                "date": day, "outcome": outcome,
                "outcome_date": day + timedelta(days=rng.randint(3, 20)),
                "worker_id": rng.choice(workers)}, id=uid())

        for _ in range(20):
            category, note = rng.choice(SIGNALS)
            store.create("signal", team, {
                "street": rng.choice(all_streets), "category": category,
                "severity": rng.choice(vocab.SIGNAL_SEVERITIES),
                "status": rng.choices(vocab.SIGNAL_STATUSES, weights=[3, 2, 2])[0], "note": note,
                "at": now - timedelta(days=rng.randint(0, 30 * months)),
                "worker_id": rng.choice(workers)}, id=uid())
        for title, carried_by in INITIATIVES:
            store.create("initiative", team, {
                "title": title, "street": rng.choice(all_streets), "carried_by": carried_by,
                "at": today - timedelta(days=rng.randint(5, 30 * months))}, id=uid())

        scored = rng.sample(residents, min(30, len(residents)))
        for rid in scored:
            domains = rng.sample(vocab.ZRM_DOMAINS, rng.randint(4, 8))
            level = {d: rng.randint(1, 4) for d in domains}
            for k in range(3):
                day = today - timedelta(days=30 * months - k * 45)
                for d in domains:
                    level[d] = max(1, min(5, level[d] + rng.choice([-1, 0, 0, 1, 1])))
                    store.create("outcome_score", team, {
                        "resident_id": rid, "domain": d, "score": level[d], "date": day,
                        "worker_id": rng.choice(workers)}, id=uid())

        if not store.meta("team_id"):
            store.set_meta("team_id", team)
            store.set_meta("worker_id", me)
            store.set_meta("role", WORKERS[0][1])
    demo_history.add(store, team, workers, seed)
    return {"team": team, "workers": workers, "me": me, "residents": residents,
            "people": people, "contacts": len(contacts), "ties": ties, "agreements": agreements}
