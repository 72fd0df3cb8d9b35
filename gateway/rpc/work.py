"""The bounded thread pool that runs the server's blocking work, off the event loop.

Verification, JSON-LD and store I/O block; the asyncio server must not. Each piece of work runs
here and is awaited by its RPC, so a waiting RPC (a watch stream between changes, a call queued
for a thread) holds no thread. The pool knows how much work is running, so shutdown can tell
whether it drained.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

_T = TypeVar("_T")


class WorkPool:
    """A fixed number of threads for blocking work, awaited from the event loop."""

    def __init__(self, threads: int) -> None:
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix="cfx-work")
        self._running = 0
        self._changed = threading.Condition()

    async def run(self, work: Callable[[], _T]) -> _T:
        """Run `work` on a pool thread. Cancelling the awaiting task drops work still queued;
        work already running goes on (Python cannot interrupt a thread) and should watch its
        call's `time_left`."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._counted, work)

    def _counted(self, work: Callable[[], _T]) -> _T:
        with self._changed:
            self._running += 1
        try:
            return work()
        finally:
            with self._changed:
                self._running -= 1
                self._changed.notify_all()

    def close(self, timeout: float) -> bool:
        """Drop queued work and wait up to `timeout` s for running work; True when none is left."""
        self._executor.shutdown(wait=False, cancel_futures=True)
        with self._changed:
            return self._changed.wait_for(lambda: self._running == 0, max(timeout, 0.0))
