"""The one guard of an event handler: a failing handler never takes the app down.

``guard(app)`` wraps a handler: the app is told of the use (the idle lock starts again), and an
error is logged and shown plainly instead of escaping into Flet. A screen's handler method is
decorated ``@guarded`` (the app is the screen's own ``app``, or the app itself); a closure in a
dialog is decorated ``@guard(self.app)``. A handler for one row binds the row with
``functools.partial(self.method, row)``: Flet awaits a partial of a coroutine function and
passes the event only when the method takes one.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Protocol, TypeVar

from app.i18n import t

log = logging.getLogger(__name__)
R = TypeVar("R")
Handler = Callable[..., Awaitable[R]]
Guarded = Callable[..., Coroutine[Any, Any, R | None]]
"""A guarded handler is a coroutine function, as Flet and the screens' protocols expect."""


class Host(Protocol):
    """What a guard needs of the app: a use to note and a message bar."""

    def touch(self) -> None: ...

    def toast(self, text: str) -> None: ...


async def _run(app: Host | None, fn: Handler[R], *args: Any, **kwargs: Any) -> R | None:
    touch = getattr(app, "touch", None)  # a test double of the app may lack it
    if touch is not None:
        touch()
    try:
        return await fn(*args, **kwargs)
    except Exception:
        log.exception("handler %s failed", fn.__name__)
        toast = getattr(app, "toast", None)
        if toast is not None:
            toast(t("error.unexpected"))
        return None


def guard(app: Host | None) -> Callable[[Handler[R]], Guarded[R]]:
    """Wrap a handler so that its errors are logged and shown on ``app``."""

    def wrap(fn: Handler[R]) -> Guarded[R]:
        @functools.wraps(fn)
        async def wrapper(*args: Any, **kwargs: Any) -> R | None:
            return await _run(app, fn, *args, **kwargs)

        return wrapper

    return wrap


def guarded(method: Handler[R]) -> Guarded[R]:
    """``guard`` for a handler method: the app is ``self.app``, or ``self`` when it is the app."""

    @functools.wraps(method)
    async def wrapper(self: Any, *args: Any, **kwargs: Any) -> R | None:
        return await _run(getattr(self, "app", self), method, self, *args, **kwargs)

    return wrapper
