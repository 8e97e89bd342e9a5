"""The desk's coroutines on the loop: started from a tap, finished even when the visit ends
(docs/architecture.md, "The librarian's desk": money work is never cancelled halfway)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any


def run(coro: Coroutine[Any, Any, Any], done: Callable[[Any], None] | None = None) -> None:
    """Run a desk coroutine on the loop (closed unrun when there is none: the gallery), then
    `done(result)` on it; a desk task, so ending the visit never cancels it halfway."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        coro.close()
        return

    async def wrapped() -> None:
        result = await coro
        if done is not None:
            done(result)

    task = loop.create_task(wrapped())
    _RUNNING.add(task)
    task.add_done_callback(_RUNNING.discard)


_RUNNING: set[asyncio.Task[Any]] = set()
