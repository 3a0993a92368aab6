"""Validation of pushed changes: every way to be wrong has its own code."""

from __future__ import annotations

import pytest

from wijkweb_protocol import ProtocolError, encode_hlc, make_stamp, new_id, parse_change

STAMP = make_stamp(encode_hlc(1_000, 0), "dev1")


def change(**over):
    base = {"seq": 1, "tx": 1, "kind": "resident", "id": new_id(), "team": new_id(),
            "fields": {"name": ["Ayse", STAMP, None], "birth_year": [1984, STAMP]}}
    base.update(over)
    return base


def code_of(data, device="dev1"):
    with pytest.raises(ProtocolError) as err:
        parse_change(data, device=device)
    return err.value.code


def test_a_good_change_parses():
    c = parse_change(change(), device="dev1")
    assert c.kind == "resident" and c.seq == 1 and c.fields["birth_year"][0] == 1984


@pytest.mark.parametrize("data, code", [
    ([], "bad_change"),
    (change(kind="alien"), "unknown_kind"),
    (change(id="not-a-uuid"), "bad_id"),
    (change(id=new_id().upper()), "bad_id"),
    (change(team=None), "bad_team"),
    (change(seq=-1), "bad_seq"),
    (change(seq=True), "bad_seq"),
    (change(fields={}), "bad_fields"),
    (change(fields={"shoe_size": [42, STAMP]}), "unknown_field"),
    (change(fields={"name": "Ayse"}), "bad_register"),
    (change(fields={"name": ["Ayse"]}), "bad_register"),
    (change(fields={"name": [42, STAMP]}), "bad_value"),
    (change(fields={"birth_year": ["1984", STAMP]}), "bad_value"),
    (change(fields={"birth_year": [True, STAMP]}), "bad_value"),
    (change(fields={"ambitions": [["ok", 3], STAMP]}), "bad_value"),
    (change(fields={"name": ["x" * 20_001, STAMP]}), "field_too_large"),
    (change(fields={"_deleted": ["yes", STAMP]}), "bad_value"),
    (change(fields={"name": ["Ayse", "yesterday"]}), "bad_stamp"),
    (change(fields={"name": ["Ayse", STAMP, "nope"]}), "bad_stamp"),
    (change(fields={"name": ["Ayse", make_stamp(encode_hlc(1, 0), "dev2")]}), "bad_stamp"),
])
def test_bad_changes_get_precise_codes(data, code):
    assert code_of(data) == code


@pytest.mark.parametrize("kind, name, value", [
    ("contact", "at", "2026-11-22T10:00:00Z"),
    ("contact", "at", "2026-11-22T10:00:00.123+01:00"),
    ("contact", "lat", 52.1),
    ("contact", "lat", 52),
    ("agreement", "due", "2026-12-01"),
    ("tie", "person_id", None),
])
def test_typed_values_are_accepted(kind, name, value):
    parse_change(change(kind=kind, fields={name: [value, STAMP]}))


@pytest.mark.parametrize("kind, name, value", [
    ("contact", "at", "2026-11-22 10:00"),
    ("contact", "lat", float("nan")),
    ("agreement", "due", "01-12-2026"),
    ("agreement", "due", "2024-13-45"),
    ("agreement", "due", "٢٠٢٤-٠١-٠١"),  # digits, but not ASCII ones
    ("contact", "at", "2026-02-30T10:00:00Z"),
    ("tie", "person_id", "Jan"),
])
def test_typed_values_are_refused(kind, name, value):
    assert code_of(change(kind=kind, fields={name: [value, STAMP]})) == "bad_value"
