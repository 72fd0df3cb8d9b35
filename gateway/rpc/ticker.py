"""One poll of the log's size wakes every open watch stream when the log grows.

Streams used to query the store every 0.2 s each; now one thread polls the size for all of them
and an idle stream waits on its event (issue 11). Polling the size, rather than being told by the
intake, also sees entries appended by other processes (`cfx trust revoke`, another replica).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

_log = logging.getLogger("cfx.rpc")
# How often the log's size is read while a stream waits: a change reaches a stream within this.
WATCH_POLL_SECONDS = 0.2


class LogTicker:
    """Polls the log's size every `interval` s while streams wait, and wakes them on growth."""

    def __init__(self, log_size: Callable[[], int], interval: float) -> None:
        self._log_size = log_size
        self._interval = interval
        self._changed = threading.Condition()
        self._waiting: set[threading.Event] = set()
        self._thread: threading.Thread | None = None
        self._closed = False

    def subscribe(self, event: threading.Event) -> None:
        """Clear `event` and set it at the next growth of the log (or at close).

        Subscribe *before* reading the log: growth after that read then always sets it.
        """
        with self._changed:
            event.clear()
            if self._closed:
                event.set()
                return
            self._waiting.add(event)
            if self._thread is None:
                self._thread = threading.Thread(target=self._poll, name="cfx-ticker", daemon=True)
                self._thread.start()
            self._changed.notify_all()

    def close(self) -> None:
        """Wake every waiter for good (shutdown) and stop polling."""
        with self._changed:
            self._closed = True
            self._wake_all()
            self._changed.notify_all()

    def _wake_all(self) -> None:
        for event in self._waiting:
            event.set()
        self._waiting.clear()

    def _poll(self) -> None:
        seen: int | None = None  # the first poll always wakes: nothing was seen before it
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._closed or bool(self._waiting))
                if self._closed:
                    return
            try:
                size = self._log_size()
            except Exception:  # noqa: BLE001 - a failed poll must not end every stream; retry
                _log.exception("watch: reading the log size failed")
            else:
                if size != seen:
                    seen = size
                    with self._changed:
                        self._wake_all()
            with self._changed:
                self._changed.wait_for(lambda: self._closed, self._interval)
