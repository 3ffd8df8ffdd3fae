"""Every handler runs inside `guarded`: an error is logged, the server keeps serving.

A language server that dies on one bad file loses the user's whole session (and their trust
in the tool), so no exception escapes a handler. The client gets the fallback answer (no
hover, no actions), the traceback goes to `window/logMessage`. Cancellation is not an error:
`asyncio.CancelledError` passes through, and pygls answers RequestCancelled.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def guarded(session_of: Callable[[Any], Any], fallback: Any = None) -> Callable[[F], F]:
    """Wrap a handler `(ls, params)`; `session_of(ls)` gives the Session used for logging."""

    def decorate(fn: F) -> F:
        where = fn.__name__
        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def run_async(ls: Any, *args: Any) -> Any:
                try:
                    return await fn(ls, *args)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    session_of(ls).log_exception(where, exc)
                    return fallback

            return run_async  # type: ignore[return-value]

        @functools.wraps(fn)
        def run(ls: Any, *args: Any) -> Any:
            try:
                return fn(ls, *args)
            except Exception as exc:
                session_of(ls).log_exception(where, exc)
                return fallback

        return run  # type: ignore[return-value]

    return decorate
