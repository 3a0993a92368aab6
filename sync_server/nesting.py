"""Limits on the shape of request JSON, checked on the bytes before ``json.loads`` builds it.

``MAX_DEPTH`` levels of arrays and objects: no body of the API needs more than eight (a push
carrying a list field's items map); deeper input is an attack on the parser (or on code that
walks it recursively). A route may also cap the number of values (``too_many_values``): an 8 MiB
body of ``[],[],…`` is 2.8 million lists, hundreds of MB once parsed, and it is 8 KB gzipped.
``scan`` costs a few passes over the bytes at C speed and allocates nothing per value.
"""

from __future__ import annotations

import re
from typing import Any

from sync_server.http_errors import ApiError

MAX_DEPTH = 32

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_STRUCTURE = b"[]{},"
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in _STRUCTURE)
_BRACKETS = bytes.maketrans(b"{}", b"[]")


def too_deep(**detail: Any) -> ApiError:
    return ApiError(400, "too_deep", f"JSON may nest at most {MAX_DEPTH} levels deep.",
                    max=MAX_DEPTH, **detail)


def too_many_values(limit: int) -> ApiError:
    return ApiError(400, "too_many_values", f"This body may hold at most {limit} JSON values.",
                    max=limit)


def scan(body: bytes, max_values: int | None = None) -> None:
    """Refuse ``body`` if its JSON nests deeper than ``MAX_DEPTH`` or holds more than
    ``max_values`` values; malformed JSON passes (``json.loads`` names it)."""
    if max_values is not None and body.count(b'"') > 2 * max_values:
        raise too_many_values(max_values)  # before the strings are cut out one by one
    shape = _STRING.sub(b"", body).translate(None, _NOT_STRUCTURE)
    _check_depth(shape.translate(_BRACKETS, b","))
    if max_values is not None:
        values = shape.count(b",") + shape.count(b"[") + shape.count(b"{")
        if values > max_values:
            raise too_many_values(max_values)


def _check_depth(nest: bytes) -> None:
    """``nest``: the brackets alone, all square; each pass removes the innermost level."""
    for _ in range(MAX_DEPTH):
        if not nest:
            return
        inner_gone = nest.replace(b"[]", b"")
        if len(inner_gone) == len(nest):
            break  # unbalanced: json.loads names it, unless it opens too many levels
        nest = inner_gone
    if b"[]" in nest or nest.count(b"[") > MAX_DEPTH:
        raise too_deep()


def exceeds(value: Any, limit: int = MAX_DEPTH) -> bool:
    """True if ``value`` nests arrays and objects more than ``limit`` levels (no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = (item.values() if type(item) is dict
                    else item if type(item) is list else ())
        for child in children:
            if type(child) is dict or type(child) is list:
                if depth >= limit:
                    return True
                stack.append((child, depth + 1))
    return False
