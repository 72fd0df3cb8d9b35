"""The credential checks of a sync page, in this process or on worker processes (issue 12).

The checks are pure (gateway.checker: bytes, a registry snapshot, rules, limits in; a checked
credential or a typed error out) and hold the GIL, so a large page's are handed in chunks to the
process pool of `signing.batch.VerifierPool`, both cores checking while the syncing thread reads
its peer and writes its store. A small page is checked in the syncing thread: no hand-off delay
where latency matters more than throughput. Either way every credential of a page is checked
against the one registry snapshot and time taken for that page, and outcomes come back in the
order the credentials were added, so the pool changes when a check runs, never what it decides.

A worker can read no store. A credential citing an accounting rule that is not bundled (one
published on this node) comes back unchecked and is checked here with the node's rules. The
emission factors a credential cites by id are found by a bounded scan of its bytes when it is
added, resolved once per page here (`held_factor`, the node's catalog) and sent with each chunk
as a snapshot {id: value or absent}; the worker answers the check's factors from it. The scan is
a shortcut, not the authority: the worker reads the cited ids from the parsed credential, and
one the snapshot lacks (a key spelled with escapes, more ids than the scan bound) sends the
credential back here. The workers check under the node's profile policy, as this thread does.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import schemas
from gateway.catalog import factors_cited_by
from gateway.checker import CheckedCredential, CredentialChecker, ParsedCredential
from gateway.errors import GatewayError
from gateway.limits import Limits
from gateway.trust import TrustRegistry
from schemas.errors import SchemasError
from schemas.policy import policy_from_dict
from signing.batch import VerifierPool, worker_loader
from signing.errors import SigningError

_log = logging.getLogger("cfx.sync")

RulesFor = Callable[[ParsedCredential], Mapping[str, Any] | None]
# The held EmissionFactor values a credential's factorIds resolve to (gateway.catalog).
FactorsFor = Callable[[ParsedCredential], Mapping[str, Decimal] | None]
# What a node holds under a factor id: its value (kgCO2e/kWh) or None (gateway.catalog).
HeldFactor = Callable[[str], Decimal | None]
# Chunks per worker for one page: small enough to balance the workers and to let the syncing
# thread use the first outcomes while later chunks are checked.
_CHUNKS_PER_PROCESS = 4


@dataclass(frozen=True)
class Refused:
    """A credential the checker refused: the error's stable reason and its message."""

    reason: str
    message: str


Outcome = CheckedCredential | Refused


def check_raw(
    checker: CredentialChecker,
    raw: bytes,
    *,
    registry: TrustRegistry,
    now: datetime,
    rules_for: RulesFor,
    factors_for: FactorsFor = lambda _parsed: None,
) -> Outcome:
    """Parse and check one credential; any typed refusal (gateway, signing or schemas) is a
    `Refused`, whatever layer raised it."""
    try:
        parsed = checker.parse(raw)
        return checker.check(
            parsed,
            registry=registry,
            now=now,
            rules=rules_for(parsed),
            factors=factors_for(parsed),
        )
    except (GatewayError, SigningError, SchemasError) as err:
        return Refused(err.reason, str(err))


@dataclass(frozen=True)
class ChecksConfig:
    """How a node checks sync pages: `processes` workers (1: in the syncing thread) for pages
    of at least `min_batch` credentials."""

    processes: int = 1
    min_batch: int = 1

    @classmethod
    def of(cls, limits: Limits) -> ChecksConfig:
        """From the node's limits, never more workers than this machine has cores."""
        return cls(
            processes=min(limits.sync_check_processes, os.cpu_count() or 1),
            min_batch=limits.sync_pool_min_datasets,
        )


class PageChecks:
    """Checks sync pages for one node: its checker, its rules and its pool settings."""

    def __init__(
        self,
        checker: CredentialChecker,
        rules_for: RulesFor,
        limits: Limits,
        factors_for: FactorsFor = lambda _parsed: None,
        held_factor: HeldFactor | None = None,
    ) -> None:
        """`held_factor` resolves a page's factor ids for the workers; without it a credential
        citing a factor is checked in the syncing thread (with `factors_for`)."""
        self._checker = checker
        self._rules_for = rules_for
        self._factors_for = factors_for
        self._held_factor = held_factor
        self._limits = limits
        self._config = ChecksConfig.of(limits)

    def check(self, raw: bytes, *, registry: TrustRegistry, now: datetime) -> Outcome:
        """One credential, in this thread."""
        return check_raw(
            self._checker,
            raw,
            registry=registry,
            now=now,
            rules_for=self._rules_for,
            factors_for=self._factors_for,
        )

    def batch(self, registry: TrustRegistry, now: datetime, *, expected: int) -> CheckBatch:
        """A batch for one page of about `expected` credentials, all checked under `registry`
        at `now`; on the pool when the page is large enough."""
        processes = self._config.processes
        pool = None
        if processes > 1 and expected >= self._config.min_batch:
            pool = _shared_pool(processes)
        chunk = max(1, -(-expected // (processes * _CHUNKS_PER_PROCESS)))
        return CheckBatch(self, registry, now, pool, chunk)

    def resolve(self, factor_ids: set[str]) -> dict[str, Decimal | None]:
        """What this node holds under each id; empty without a `held_factor`, so that the
        workers send every factor-citing credential back."""
        if self._held_factor is None:
            return {}
        return {factor_id: self._held_factor(factor_id) for factor_id in factor_ids}

    @property
    def limits(self) -> Limits:
        """The limits the checker applies (sent with each chunk to the workers)."""
        return self._limits

    @property
    def policy(self) -> str:
        """The checker's profile policy as canonical JSON (sent with each chunk to the workers,
        which build their checker from it once)."""
        return json.dumps(self._checker.policy.to_dict(), sort_keys=True)


class CheckBatch:
    """Credentials added in order, their outcomes in the same order."""

    def __init__(
        self,
        checks: PageChecks,
        registry: TrustRegistry,
        now: datetime,
        pool: VerifierPool | None,
        chunk: int,
    ) -> None:
        self._checks = checks
        self._registry = registry
        self._now = now
        self._pool = pool
        self._chunk = chunk
        self._waiting: list[bytes] = []
        # The page's factor ids resolved so far (once per page, whatever the chunk).
        self._factors: dict[str, Decimal | None] = {}
        self._chunks: list[tuple[tuple[bytes, ...], Future[list[Outcome | None]] | None]] = []

    @property
    def pooled(self) -> bool:
        """Whether this batch's checks go to worker processes."""
        return self._pool is not None

    def add(self, raw: bytes) -> None:
        """Queue one credential; a full chunk goes to the pool at once."""
        self._waiting.append(raw)
        if len(self._waiting) >= self._chunk:
            self._send()

    def outcomes(self) -> Iterator[Outcome]:
        """One outcome per credential added, in order (each chunk's as it is ready)."""
        self._send()
        for raws, future in self._chunks:
            yield from self._chunk_outcomes(raws, future)
        self._chunks = []

    def _send(self) -> None:
        if not self._waiting:
            return
        raws, self._waiting = tuple(self._waiting), []
        future = None
        if self._pool is not None:
            job = _Chunk(
                self._checks.limits,
                self._checks.policy,
                self._registry,
                self._now,
                raws,
                self._snapshot(raws),
            )
            try:
                future = self._pool.submit(_check_chunk, job)
            except (BrokenProcessPool, RuntimeError) as err:
                _drop_pool(self._pool, err)
                self._pool = None
        self._chunks.append((raws, future))

    def _snapshot(self, raws: tuple[bytes, ...]) -> dict[str, Decimal | None]:
        """The held value (or None) of every factor id the chunk's credentials seem to cite."""
        cited = {factor_id for raw in raws for factor_id in scan_factor_ids(raw)}
        self._factors.update(self._checks.resolve(cited - self._factors.keys()))
        return {
            factor_id: self._factors[factor_id] for factor_id in cited if factor_id in self._factors
        }

    def _chunk_outcomes(
        self, raws: tuple[bytes, ...], future: Future[list[Outcome | None]] | None
    ) -> Iterator[Outcome]:
        found: list[Outcome | None] = [None] * len(raws)
        if future is not None:
            try:
                found = future.result()
            except BrokenProcessPool as err:  # a worker died: check its share here
                _drop_pool(self._pool, err)
                self._pool = None
        for raw, outcome in zip(raws, found, strict=True):
            yield (
                self._checks.check(raw, registry=self._registry, now=self._now)
                if outcome is None
                else outcome
            )


# -- the workers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Chunk:
    limits: Limits
    policy: str
    registry: TrustRegistry
    now: datetime
    raws: tuple[bytes, ...]
    factors: Mapping[str, Decimal | None]


class _PublishedRuleError(Exception):
    """The credential cites a rule or factors only the syncing node's store holds."""


@functools.cache
def _worker_checker(limits: Limits, policy: str) -> CredentialChecker:
    return CredentialChecker(
        loader=worker_loader(), limits=limits, policy=policy_from_dict(json.loads(policy))
    )


@functools.cache
def _bundled_rule_ids() -> frozenset[str]:
    return frozenset(schemas.bundled_rules())


def _bundled_rules_only(parsed: ParsedCredential) -> None:
    """What Catalog.rules_cited_by answers without its store: None (the bundled rules) for a
    dataset citing no rule or a bundled one."""
    rule_id = parsed.accounting_rule_id
    if rule_id is not None and rule_id not in _bundled_rule_ids():
        raise _PublishedRuleError(rule_id)


def _snapshot_factors(
    factors: Mapping[str, Decimal | None],
) -> Callable[[ParsedCredential], Mapping[str, Decimal] | None]:
    """What Catalog.factors_cited_by answers, from the chunk's snapshot; a cited id the snapshot
    lacks (the scan missed it) sends the credential back to the syncing node."""

    def held(factor_id: str) -> Decimal | None:
        if factor_id not in factors:
            raise _PublishedRuleError(factor_id)
        return factors[factor_id]

    return functools.partial(factors_cited_by, held_factor=held)


# `"factorId"` then its string value: the scan a credential gets when it is added to a pooled
# batch, bounded in ids per credential (the worker sends back what it leaves out).
_FACTOR_ID = re.compile(rb'"factorId"\s*:\s*"((?:[^"\\]|\\.){1,512})"')
_SCAN_MAX_IDS = 16


def scan_factor_ids(raw: bytes) -> set[str]:
    """The factor ids a credential's bytes seem to cite, without parsing it (a shortcut: it may
    miss an id written with escapes, or list an id that is not under `electricity`)."""
    found: set[str] = set()
    for match in _FACTOR_ID.finditer(raw):
        try:
            value = json.loads(b'"' + match.group(1) + b'"')
        except ValueError:  # not a JSON string: the worker finds out what the credential cites
            continue
        found.add(value)
        if len(found) >= _SCAN_MAX_IDS:
            break
    return found


def _check_chunk(chunk: _Chunk) -> list[Outcome | None]:
    """In a worker: each credential's outcome, or None where the syncing node must check it."""
    checker = _worker_checker(chunk.limits, chunk.policy)
    found: list[Outcome | None] = []
    for raw in chunk.raws:
        try:
            found.append(
                check_raw(
                    checker,
                    raw,
                    registry=chunk.registry,
                    now=chunk.now,
                    rules_for=_bundled_rules_only,
                    factors_for=_snapshot_factors(chunk.factors),
                )
            )
        except _PublishedRuleError:
            found.append(None)
    return found


# One pool per process, started on first use and shared by every syncer (cfx serve follows each
# peer in its own thread); its workers end with the process.
_POOL_LOCK = threading.Lock()
_POOLS: dict[int, VerifierPool] = {}


def _shared_pool(processes: int) -> VerifierPool:
    with _POOL_LOCK:
        pool = _POOLS.get(processes)
        if pool is None:
            pool = _POOLS[processes] = VerifierPool(processes)
        return pool


def _drop_pool(pool: VerifierPool | None, err: Exception) -> None:
    """Forget a broken pool (the next large page starts a new one); this batch goes on here."""
    _log.warning("sync check pool failed (%s); checking in process", err)
    with _POOL_LOCK:
        for processes, held in list(_POOLS.items()):
            if held is pool:
                del _POOLS[processes]
    if pool is not None:
        pool.close()
