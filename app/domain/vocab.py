"""The fixed vocabularies of the domain: themes, channels, roles, ZRM domains and the like.

Each is a tuple of codes (English, stable, stored and synced); the words a person reads come from
the translation files under the key ``"<vocabulary>.<code>"``, e.g. ``theme.housing``.
"""

from __future__ import annotations

THEMES = (
    "clean_safe",  # schoon, heel, veilig
    "housing",  # wonen
    "work_income",  # werk & inkomen
    "education",  # onderwijs
    "health_care",  # gezondheid & zorg
    "youth",  # jeugd
    "social_contacts",  # sociale contacten
    "participation",  # participatie
    "safety_subversion",  # veiligheid & ondermijning
)

CHANNELS = ("street", "home_visit", "phone", "office_hours", "activity")

ROLES = (
    "street_coach",
    "caretaker",
    "youth_worker",
    "community_officer",
    "social_worker",
    "team_lead",
    "administrator",
)

ZRM_DOMAINS = (
    "finances",
    "work_education",
    "daytime_activities",
    "housing",
    "domestic_relations",
    "mental_health",
    "physical_health",
    "substance_use",
    "basic_adl",
    "instrumental_adl",
    "social_network",
    "community_participation",
    "justice",
)
"""The 13 domains of the Zelfredzaamheid-Matrix (ZRM)."""

ZRM_SCORES = (1, 2, 3, 4, 5)
"""1 acute problematiek … 5 volledig zelfredzaam."""

TIE_KINDS = ("family", "friend", "neighbour", "professional", "organisation")
SUPPORT_KINDS = ("practical", "company", "advice", "emotional")
STRENGTHS = ("strong", "weak", "strained")

ACTIVATION_OUTCOMES = ("agreed", "happened", "held", "failed")
"""Afgesproken, gebeurd, houdt stand na 3 maanden, werkte niet."""

OWNER_KINDS = ("worker", "resident", "network_person")
AGREEMENT_STATUSES = ("open", "done", "cancelled")

SIGNAL_CATEGORIES = ("vacancy", "litter", "nuisance", "subletting", "maintenance", "safety")
SIGNAL_SEVERITIES = (1, 2, 3)
SIGNAL_STATUSES = ("new", "in_progress", "resolved")

LEGAL_BASES = ("consent", "public_task_wmo", "public_task_youth", "public_task_participation")
"""Toestemming, or the public task under a specific law (Wmo 2015, Jeugdwet, Participatiewet)."""
