"""Both languages say everything, and every key the code asks for exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from app.domain import vocab as codes
from app.i18n import DEFAULT, LANGUAGES, catalog, change, decimal, language, set_language, t, tn
from wijkweb_protocol import KINDS

APP = Path(__file__).resolve().parents[1] / "app"
VOCABULARIES = {
    "theme": codes.THEMES, "channel": codes.CHANNELS, "role": codes.ROLES,
    "zrm": codes.ZRM_DOMAINS, "zrm_score": codes.ZRM_SCORES, "tie": codes.TIE_KINDS,
    "tie_plural": codes.TIE_KINDS, "support": codes.SUPPORT_KINDS, "strength": codes.STRENGTHS,
    "outcome": codes.ACTIVATION_OUTCOMES, "owner": codes.OWNER_KINDS,
    "status": codes.AGREEMENT_STATUSES, "signal": codes.SIGNAL_CATEGORIES,
    "severity": codes.SIGNAL_SEVERITIES, "signal_status": codes.SIGNAL_STATUSES,
    "legal_basis": codes.LEGAL_BASES, "language": LANGUAGES,
}


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_languages_have_the_same_keys():
    assert set(catalog("nl")) == set(catalog("en"))


def test_placeholders_match_between_languages():
    nl, en = catalog("nl"), catalog("en")
    assert {k: _placeholders(v) for k, v in nl.items()} == {
        k: _placeholders(v) for k, v in en.items()}


def test_no_empty_translations():
    for lang in LANGUAGES:
        assert all(v.strip() for v in catalog(lang).values()), lang


def test_every_literal_key_used_in_code_exists():
    """Every quoted ``section.name`` in the UI and services whose section is a translation one.

    (Other packages use dotted names for other things, e.g. the sync meta keys.)
    """
    keys = set(catalog(DEFAULT))
    sections = {k.split(".")[0] for k in keys}
    used = set()
    for path in [*(APP / "ui").rglob("*.py"), *(APP / "services").rglob("*.py")]:
        for key in re.findall(r"""["']([a-z_]+(?:\.[a-z_0-9]+)+)["']""", path.read_text()):
            if key.split(".")[0] in sections and not key.endswith("."):
                used.add((key, path.name))
    missing = sorted(f"{key} ({where})" for key, where in used
                     if key not in keys and f"{key}.one" not in keys)  # tn(key, n)
    assert not missing, missing


def test_every_count_has_a_singular_and_a_plural():
    keys = set(catalog(DEFAULT))
    ones = {k[:-len(".one")] for k in keys if k.endswith(".one")}
    assert ones and {f"{k}.other" for k in ones} <= keys
    assert tn("count.households", 1) == "1 huishouden"
    assert tn("count.households", 3) == "3 huishoudens"
    assert tn("handed_over.banner", 1).startswith("Je hebt 1 huishouden overgenomen")


def test_dynamic_keys_exist():
    keys = set(catalog(DEFAULT))
    for which in ("ambitions", "talents", "obstacles"):
        assert {f"resident.{which}", f"resident.add_{which}"} <= keys
    for status in ("done", "cancelled"):
        assert f"agreement.{status}_toast" in keys
    from app.sync import errors

    sync_codes = {c.code for c in vars(errors).values()
                  if isinstance(c, type) and issubclass(c, errors.SyncError)}
    assert {f"sync.error.{c}" for c in sync_codes} <= keys


@pytest.mark.parametrize("name", sorted(VOCABULARIES))
def test_every_vocabulary_code_has_words(name):
    keys = set(catalog(DEFAULT))
    assert {f"{name}.{code}" for code in VOCABULARIES[name]} <= keys


def test_language_switch_and_fallback():
    try:
        assert set_language("en") == "en" and t("nav.today") == "Today"
        assert t("contact.remove_resident", name="Jan") == "Remove Jan"
        assert set_language("xx") == "nl" and language() == "nl"
        assert t("nav.today") == "Vandaag"
        assert t("no.such_key") == "no.such_key"
    finally:
        set_language(DEFAULT)


def test_every_field_of_every_kind_has_a_name_in_words():
    names = {f"field.{f}" for fields in KINDS.values() for f in fields} | {"field._deleted"}
    for lang in LANGUAGES:
        assert names <= set(catalog(lang)), sorted(names - set(catalog(lang)))


def test_decimals_as_the_reader_writes_them():
    try:
        assert change(2.5, 3.04) == "2,5 → 3,0" and decimal(None) == "-"
        set_language("en")
        assert change(2.5, 3.04) == "2.5 → 3.0"
    finally:
        set_language(DEFAULT)
