"""How much JSON-LD work one sign() or verify() may do, and the caller's deadline.

The compiled fast path (`signing.fast_rdf`) costs time linear in the document. What it does not
model goes to pyld (`signing.rdf`), whose node map generation compares every value of a property
with every other one: 2,000 values take about 1 s, 8,000 about 13 s, 60,000 (a 2 MB
``{"@set": [...]}``) many minutes. So the reference path is either not taken at all
(`FAST_PATH_ONLY`: refused with UNSUPPORTED_JSONLD and a JSON pointer), or it runs under a
budget: at most `max_items` JSON values per document, counted before pyld starts, and at most
`max_cpu_seconds` of this thread's CPU time per sign() or verify() call (`CallBudget`: however
many proofs and documents it processes), checked as pyld works.

A deadline is a `time.monotonic()` value. It is checked between phases, per node object on the
fast path, as pyld works, and in the RDFC-1.0 loops; passing it raises `DeadlineExceededError`.
"""

from __future__ import annotations

import time
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Any, Final, Self

from signing.errors import DeadlineExceededError, JsonLdBudgetError, ProofOptionsError


@dataclass(frozen=True, slots=True)
class JsonLdLimits:
    """Bounds on the pyld reference path; `reference_path=False` never takes it.

    Defaults, and why: ``max_items`` (5,000 JSON values): cfx credentials have 100-300 and take
    the fast path anyway; the reference path is for unusual JSON-LD, and 5,000 values in one
    property cost pyld about 5 s. ``max_cpu_seconds`` (2.0): what any one document may cost
    whatever its shape, at most a few hundred times a normal verification.
    """

    reference_path: bool = True
    max_items: int = 5_000
    max_cpu_seconds: float = 2.0

    def __post_init__(self) -> None:
        if isinstance(self.max_items, bool) or not isinstance(self.max_items, int):
            raise ProofOptionsError(
                f"JsonLdLimits.max_items must be an int, got {self.max_items!r}"
            )
        if self.max_items < 0:
            raise ProofOptionsError("JsonLdLimits.max_items must be >= 0")
        if isinstance(self.max_cpu_seconds, bool) or not isinstance(
            self.max_cpu_seconds, int | float
        ):
            raise ProofOptionsError("JsonLdLimits.max_cpu_seconds must be a number")
        if not self.max_cpu_seconds > 0:
            raise ProofOptionsError("JsonLdLimits.max_cpu_seconds must be > 0")


#: Compiled fast path or UNSUPPORTED_JSONLD: for every request a server answers.
FAST_PATH_ONLY: Final = JsonLdLimits(reference_path=False)
#: The fast path, else pyld within the default budget (the CLI and library default).
DEFAULT_JSONLD_LIMITS: Final = JsonLdLimits()

#: pyld calls between two reads of the thread's CPU clock (a system call, ~1 us).
_CPU_CHECK_EVERY: Final = 32


class CallBudget:
    """``with CallBudget(limits):`` makes `limits.max_cpu_seconds` cover every pyld run inside.

    A credential has up to 32 proofs, each with a proof configuration and a document to
    canonicalize: without this, each pyld run would get the whole budget again. The clock
    starts at the first pyld run, so the fast path pays one context-variable set, no syscall.
    """

    __slots__ = ("_limits", "_token", "_until")

    def __init__(self, limits: JsonLdLimits) -> None:
        self._limits = limits
        self._until: float | None = None
        self._token: Token[CallBudget | None] | None = None

    def __enter__(self) -> Self:
        self._token = _CURRENT_CALL.set(self)
        return self

    def __exit__(self, *_: object) -> None:
        if self._token is not None:
            _CURRENT_CALL.reset(self._token)

    def cpu_limit(self) -> float:
        """`time.thread_time()` at which the call's budget runs out."""
        if self._until is None:
            self._until = time.thread_time() + self._limits.max_cpu_seconds
        return self._until


_CURRENT_CALL: ContextVar[CallBudget | None] = ContextVar("cfx_jsonld_call", default=None)


def check_paths(*, fast: bool, limits: JsonLdLimits) -> None:
    """`fast=False` asks for the reference path, which `limits` may forbid."""
    if not fast and not limits.reference_path:
        raise ProofOptionsError("fast=False takes the reference path, which these limits forbid")


def check_deadline(deadline: float | None) -> None:
    """Raise `DeadlineExceededError` once `time.monotonic()` has reached `deadline`."""
    if deadline is not None and time.monotonic() >= deadline:
        raise DeadlineExceededError("the caller's deadline passed before the work was done")


def check_items(document: Any, cap: int) -> int:
    """Count `document`'s JSON values (objects, arrays, members, items); refuse more than `cap`.

    Stops counting at the first value over the cap, so the count itself is bounded too.
    """
    count = 0
    stack = [document]
    while stack:
        value = stack.pop()
        count += 1
        if count > cap:
            raise JsonLdBudgetError(
                "max_items",
                cap,
                f"the document has more than {cap} JSON values; JSON-LD the fast path does not "
                "model is only processed up to that size",
            )
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return count


class Meter:
    """Cooperative checks of the deadline and of this thread's CPU time inside pyld."""

    __slots__ = ("_calls", "_cpu_cap", "_cpu_limit", "_deadline")

    def __init__(self, max_cpu_seconds: float, deadline: float | None) -> None:
        self._cpu_cap = max_cpu_seconds
        self._cpu_limit = time.thread_time() + max_cpu_seconds
        call = _CURRENT_CALL.get()
        if call is not None:
            self._cpu_limit = min(self._cpu_limit, call.cpu_limit())
        self._deadline = deadline
        self._calls = 0

    def tick(self) -> None:
        """One unit of work: refuse once the deadline or the CPU budget is spent."""
        check_deadline(self._deadline)
        self._calls += 1
        if self._calls % _CPU_CHECK_EVERY == 0 and time.thread_time() > self._cpu_limit:
            raise JsonLdBudgetError(
                "max_cpu_seconds",
                self._cpu_cap,
                f"JSON-LD processing used more than {self._cpu_cap} s of CPU time",
            )
