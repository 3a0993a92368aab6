"""The nesting limit of request JSON: ``MAX_DEPTH`` levels of arrays and objects.

No body of the API needs more than eight (a push carrying a list field's items map); deeper
input is an attack on the parser (or on code that walks it recursively) and is refused with
400 ``too_deep`` before it is used.
"""

from __future__ import annotations

from typing import Any

from sync_server.errors import ApiError

MAX_DEPTH = 32


def too_deep(**detail: Any) -> ApiError:
    return ApiError(400, "too_deep", f"JSON may nest at most {MAX_DEPTH} levels deep.",
                    max=MAX_DEPTH, **detail)


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
