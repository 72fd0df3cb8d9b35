"""Reads: datasets, pages bound to one checkpoint, the change feed, receipts, and VerifyCredential.

Every read applies the caller's read scope inside the store query, so a caller can neither see
nor page through, nor tell apart from a missing one, a dataset it may not read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

import schemas
from gateway import access
from gateway.checker import CredentialChecker, ParsedCredential, Report, TimeLeft, no_deadline
from gateway.domain import DatasetKind, DatasetStatus, SignedCheckpoint
from gateway.errors import PermissionDeniedError
from gateway.limits import Limits
from gateway.log.receipt import Receipt
from gateway.store.base import Store
from gateway.store.errors import NotFoundError
from gateway.store.model import Change, DatasetFilter, StoredDataset
from gateway.transparency import NodeLog
from gateway.trust import Organization, TrustRegistry
from schemas import electricity, strict_json


def factors_cited_by(
    parsed: ParsedCredential, held_factor: Callable[[str], Decimal | None]
) -> Mapping[str, Decimal] | None:
    """The values `held_factor` gives the factorIds a footprint's electricity block cites, the
    ids it gives none left out; None for a dataset that is no footprint or has no such block.
    One rule for the node (its store) and the sync check workers (a page's snapshot)."""
    block = parsed.subject.get("electricity")
    if parsed.kind is not DatasetKind.PRODUCT_FOOTPRINT or not isinstance(block, dict):
        return None
    held = {factor_id: held_factor(factor_id) for factor_id in electricity.cited_factor_ids(block)}
    return {factor_id: value for factor_id, value in held.items() if value is not None}


@dataclass(frozen=True)
class DatasetPage:
    """One page of a listing, the checkpoint it is bound to and each item's receipt in that
    tree (R6), in the order of `datasets`."""

    datasets: tuple[StoredDataset, ...]
    next_page_token: str
    checkpoint: SignedCheckpoint
    receipts: tuple[Receipt, ...]


class Catalog:
    """Reads, each within the caller's read scope (G2); shares the checker with VerifyCredential."""

    def __init__(
        self,
        *,
        store: Store,
        log: NodeLog,
        checker: CredentialChecker,
        registry: Callable[[], TrustRegistry],
        clock: Callable[[], datetime],
        limits: Limits,
    ) -> None:
        self._store = store
        self._registry = registry
        self._log = log
        self._checker = checker
        self._clock = clock
        self._limits = limits
        self._bundled_rules = schemas.bundled_rules()

    def get(self, name: str, caller: Organization) -> StoredDataset:
        """Permission before existence (G2, AIP-193), inside one query.

        The store reads `name` only within the caller's read scope, so a dataset the caller may
        not read and a missing one are the same query returning nothing: same work, same error.
        A caller who may read every kind learns whether `name` exists (NOT_FOUND); any other
        gets PERMISSION_DENIED, so it cannot probe for other organizations' footprints.
        """
        if not caller.readable_kinds and not caller.issuable_kinds:
            raise PermissionDeniedError
        try:
            return self._store.get_dataset(name, caller.read_scope)
        except NotFoundError:
            if not access.reads_every_kind(caller):
                raise PermissionDeniedError from None
            raise

    def receipt(self, log_index: int) -> Receipt:
        """The receipt for the entry at `log_index`, proved against the newest checkpoint."""
        return self._log.receipt(log_index)

    def origin_receipts(self, digest: str) -> list[Receipt]:
        """The receipts of the peer logs a dataset was copied from (sync), by origin."""
        return self._store.origin_receipts(digest)

    def list_page(
        self, filters: DatasetFilter, page_size: int, page_token: str, caller: Organization
    ) -> DatasetPage:
        """One page in the caller's read scope, bound to a checkpoint that covers it.

        The scope is applied inside the query, so pages stay full and a page token is bound to
        the caller. The checkpoint is taken after the query, so it covers every record seen.
        """
        scoped = replace(filters, scope=caller.read_scope)
        records, token = self._store.list_datasets(
            scoped, self._limits.page_size(page_size), page_token
        )
        checkpoint = self._log.checkpoint(
            at_least=max((r.log_index + 1 for r in records), default=0)
        )
        receipts = tuple(self._log.receipt(r.log_index, checkpoint) for r in records)
        return DatasetPage(tuple(records), token, checkpoint, receipts)

    def changes_after(
        self, cursor: int, kind: DatasetKind | None, caller: Organization
    ) -> list[Change]:
        """The next changes after log index `cursor` that the caller may see (WatchDatasets)."""
        return self._store.changes_after(
            cursor, kind, self._limits.max_watch_batch, scope=caller.read_scope
        )

    def _first_held(self, dataset_id: str, kind: DatasetKind) -> StoredDataset | None:
        """The first dataset of `kind` published here under `dataset_id` that still counts."""
        return next(
            (
                r
                for r in self._store.datasets_with_id(dataset_id)
                if r.kind is kind and r.status is not DatasetStatus.WITHDRAWN
            ),
            None,
        )

    def rules_cited_by(self, parsed: ParsedCredential) -> Mapping[str, Any] | None:
        """The bundled rules plus, when the dataset cites one published on this node, that one.

        A rule is a dataset like any other: it was signed, checked and stored by this same intake,
        so its stored bytes are trusted here. A withdrawn rule no longer counts; a deprecated
        one still does (footprints made under it stay checkable).

        Ids are unique per issuing organization, so several rule publishers (repositories, the
        registry operator) may each publish a rule under one id. The citation names no
        organization; the first one published here that still counts holds the id, whoever
        cites it: a later rule with the same id, from any organization (the citer's own too),
        can neither reinterpret nor block an established rule id. The operator settles a
        squatted id by withdrawing the squatter's rule.
        """
        rule_id = parsed.accounting_rule_id
        if rule_id is None or rule_id in self._bundled_rules:
            return None
        record = self._first_held(rule_id, DatasetKind.ACCOUNTING_RULE)
        if record is None:
            return None
        return {**self._bundled_rules, rule_id: strict_json.loads_object(record.credential)}

    def factors_cited_by(self, parsed: ParsedCredential) -> Mapping[str, Decimal] | None:
        """The EmissionFactor values this node holds for the factorIds a footprint's electricity
        block cites (kgCO2e/kWh, by subject id); None when it cites none.

        Same rule as `rules_cited_by`: the first factor published here under the id that is not
        withdrawn holds it (a deprecated factor keeps the value footprints made under it cite).
        An id left out is reported by the check as UNKNOWN_FACTOR, a warning unless the node's
        policy is strict: the factor may yet arrive here (schemas.electricity.factor_checks).
        """
        return factors_cited_by(parsed, self.held_factor)

    def held_factor(self, factor_id: str) -> Decimal | None:
        """The value (kgCO2e/kWh) of the EmissionFactor this node holds under `factor_id`, or
        None when it holds none (the sync check pool resolves a page's ids with it)."""
        record = self._first_held(factor_id, DatasetKind.EMISSION_FACTOR)
        if record is None:
            return None
        document = strict_json.loads_object(record.credential)
        return electricity.held_factor_value(document["credentialSubject"])

    def report(
        self,
        raw: bytes,
        *,
        expected_domain: str | None = None,
        expected_challenge: str | None = None,
        time_left: TimeLeft = no_deadline,
    ) -> Report:
        """VerifyCredential: every proof's outcome and every violation, nothing stored."""
        parsed = self._checker.parse(raw)
        return self._checker.report(
            parsed,
            registry=self._registry(),
            now=self._clock(),
            rules=self.rules_cited_by(parsed),
            factors=self.factors_cited_by(parsed),
            expected_domain=expected_domain,
            expected_challenge=expected_challenge,
            time_left=time_left,
        )
