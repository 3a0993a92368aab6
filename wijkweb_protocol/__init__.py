"""The wire protocol shared by the app and the sync server, standard library only.

Both sides import this package and never each other. It is the single home of:

* ``clock``: the hybrid logical clock and stamps ``"<hlc>@<device>"`` (text order = time order,
  the device id breaks ties);
* ``schema`` and ``limits``: every row kind, its fields and types, and the bounds of a value;
* ``envelope``: the protocol version, headers, a pushed ``Change`` and a pulled ``Row``;
* ``merge`` and ``sets``: the one merge rule. A plain field is a last-writer-wins register
  ``[value, stamp]`` (the larger stamp wins; equal stamps: the larger canonical JSON, so the
  merge is commutative, associative and idempotent). A list field is an add-wins set merged item
  by item. A delete is the register ``_deleted`` set to ``True``;
* ``errors``: the catalogue of error codes (status, retryable, meaning) and ``ProtocolError``;
* ``retention``: how long a household's records may be kept, per legal basis.
"""

from wijkweb_protocol.clock import (
    HLC_RE,
    MAX_COUNTER,
    MAX_FUTURE_MS,
    MAX_MS,
    STAMP_RE,
    Clock,
    decode_hlc,
    encode_hlc,
    make_stamp,
    split_stamp,
    stamp_ms,
)
from wijkweb_protocol.envelope import (
    EXPORTS,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    SCHEMA_HEADER,
    STORAGE_HEADER,
    Change,
    Row,
    newest_ms,
    parse_change,
)
from wijkweb_protocol.errors import CODES, REJECTIONS, ProtocolError
from wijkweb_protocol.limits import MAX_ADDERS, MAX_LIST, MAX_TEXT, is_text
from wijkweb_protocol.merge import brings, canonical, is_set, merge, merge_all, merge_register, wins
from wijkweb_protocol.schema import (
    BOOL,
    DATE,
    DATETIME,
    DELETED,
    FLOAT,
    INT,
    KINDS,
    LIST,
    REF,
    REF_LISTS,
    REFERENCES,
    STR,
    check_value,
    is_date,
    is_datetime,
    is_uuid,
    new_id,
    referenced_ids,
)
from wijkweb_protocol.sets import (
    DEVICE_RE,
    Items,
    add_items,
    as_items,
    edit_items,
    is_items,
    merge_items,
    present,
    remove_items,
    shown,
    written_by,
)

__all__ = [
    "BOOL", "CODES", "DATE", "DATETIME", "DELETED", "DEVICE_RE", "EXPORTS", "FLOAT", "HLC_RE",
    "INT", "KINDS", "LIST", "MAX_ADDERS", "MAX_COUNTER", "MAX_FUTURE_MS", "MAX_LIST", "MAX_MS",
    "MAX_TEXT", "PROTOCOL_HEADER", "PROTOCOL_VERSION", "REF", "REFERENCES", "REF_LISTS",
    "REJECTIONS", "SCHEMA_HEADER", "STAMP_RE", "STORAGE_HEADER", "STR", "Change", "Clock",
    "Items", "ProtocolError", "Row", "add_items", "as_items", "brings", "canonical",
    "check_value", "decode_hlc", "edit_items", "encode_hlc", "is_date", "is_datetime", "is_items",
    "is_set", "is_text", "is_uuid", "make_stamp", "merge", "merge_all", "merge_items",
    "merge_register", "new_id", "newest_ms", "parse_change", "present", "referenced_ids",
    "remove_items", "shown", "split_stamp", "stamp_ms", "wins", "written_by",
]
