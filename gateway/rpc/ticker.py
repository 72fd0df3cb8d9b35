"""One poll of the log's size wakes every open watch stream when the log grows.

Streams used to poll the store each on its own thread; now one task polls for all of them and an
idle stream is a suspended coroutine (issue 11: idle streams must not starve the node). Polling
the size, rather than being told by the intake, also sees entries appended by other processes
(`cfx trust revoke`, another replica on the same database).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

_log = logging.getLogger("cfx.rpc")


class LogTicker:
    """Polls the log's size every `interval` s while streams watch, and wakes them on growth."""

    def __init__(
        self,
        log_size: Callable[[], int],
        run: Callable[[Callable[[], int]], Awaitable[int]],
        interval: float,
    ) -> None:
        self._log_size = log_size
        self._run = run  # runs the blocking size query off the event loop
        self._interval = interval
        self._grown = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    def grown(self) -> asyncio.Event:
        """An event set when the log is next seen to grow (or the ticker closes).

        Take it *before* reading the log: growth after that read then always sets it.
        """
        if self._task is None and not self._closed:
            self._task = asyncio.get_running_loop().create_task(self._poll(), name="log-ticker")
        return self._grown

    def close(self) -> None:
        """Wake every waiter for good (shutdown) and stop polling."""
        self._closed = True
        self._grown.set()
        if self._task is not None:
            self._task.cancel()

    async def _poll(self) -> None:
        seen: int | None = None  # the first poll always wakes: nothing was seen before it
        while True:
            try:
                size = await self._run(self._log_size)
            except Exception:  # noqa: BLE001 - a failed poll must not end every stream; retry
                _log.exception("watch: reading the log size failed")
            else:
                if size != seen:
                    seen = size
                    woken, self._grown = self._grown, asyncio.Event()
                    woken.set()
            await asyncio.sleep(self._interval)
