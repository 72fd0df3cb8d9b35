"""Timing hooks on the request path: verification, validation and the store write.

The checker stays free of I/O and of any metrics library: it reads a clock before a step and
hands the start to the step's `Stage`, which passes the seconds to its sink. The sink ignores
them until `NodeMetrics.bind_stages()` points it at a histogram, so a node without metrics pays
one clock read and a no-op call per step (well under a microsecond). The sinks are per process,
as Prometheus expects one process per scrape target.
"""

from __future__ import annotations

from collections.abc import Callable
from time import perf_counter

Sink = Callable[[float], None]


def _ignore(_seconds: float) -> None:
    """The sink of a stage nobody measures."""


class Stage:
    """One measured step of the request path."""

    __slots__ = ("name", "sink")

    def __init__(self, name: str) -> None:
        self.name = name
        self.sink: Sink = _ignore

    def since(self, started: float) -> None:
        """The step that began at `started` (a `perf_counter()` reading) has ended."""
        self.sink(perf_counter() - started)


VERIFY = Stage("verify")  # proof verification (JSON-LD canonicalization and signatures)
VALIDATE = Stage("validate")  # schema, rule and profile checks
STORE = Stage("store")  # the durable write of a dataset and its log entry
STAGES = (VERIFY, VALIDATE, STORE)
