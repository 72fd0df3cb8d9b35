"""Types shared by the gateway's concerns (store, trust, log, intake, RPC edge).

Each concern imports these from here rather than from another concern, so the store does not
depend on the witness, nor the trust registry on the store.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from gateway.log.checkpoint import Checkpoint


class DatasetKind(StrEnum):
    """The credentialSubject kinds of DESIGN.md §2 (values match the JSON-LD type names)."""

    PRODUCT_FOOTPRINT = "ProductFootprint"
    EMISSION_FACTOR = "EmissionFactor"
    ACCOUNTING_RULE = "AccountingRule"
    ATTESTATION = "Attestation"
    STATUS_UPDATE = "StatusUpdate"


class NodeRole(StrEnum):
    """Where a node sits in the federation (DESIGN.md §5); usage policies name these."""

    PROVINCIAL = "provincial"
    NATIONAL = "national"
    REGISTRY = "registry"


class DatasetStatus(StrEnum):
    """Where a dataset is in its lifecycle; it only moves forward (see ALLOWED_TRANSITIONS)."""

    ACTIVE = "active"
    DEPRECATED = "deprecated"
    WITHDRAWN = "withdrawn"


class ChangeType(StrEnum):
    """What a change-feed row records: a new dataset, or a status change of one."""

    CREATED = "created"
    STATUS_CHANGED = "status_changed"


# Datasets are immutable; only the lifecycle moves, and only forward (withdrawn is final).
ALLOWED_TRANSITIONS: dict[DatasetStatus, frozenset[DatasetStatus]] = {
    DatasetStatus.ACTIVE: frozenset({DatasetStatus.DEPRECATED, DatasetStatus.WITHDRAWN}),
    DatasetStatus.DEPRECATED: frozenset({DatasetStatus.WITHDRAWN}),
    DatasetStatus.WITHDRAWN: frozenset(),
}

NAME_PREFIX = "datasets/"
_NAME_RE = re.compile(r"datasets/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def new_dataset_name() -> str:
    """A fresh resource name (AIP-122): `datasets/{uuid4}`."""
    return f"{NAME_PREFIX}{uuid.uuid4()}"


def is_dataset_name(name: str) -> bool:
    """True when `name` has the form `datasets/{uuid}` in lower-case hex."""
    return _NAME_RE.fullmatch(name) is not None


def sha256_hex(data: bytes) -> str:
    """The digest datasets are known by: lower-case hex SHA-256 of the exact bytes."""
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class ReadScope:
    """What one caller may see: every dataset of `kinds`, plus datasets of `own_kinds` that its
    own organization `org` issued. Applied inside the query, so pages stay full and a page token
    is bound to the caller's permissions (E5: a token grants nothing)."""

    kinds: frozenset[DatasetKind]
    org: str = ""
    own_kinds: frozenset[DatasetKind] = frozenset()

    def allows(self, kind: DatasetKind, issuer_org: str) -> bool:
        """True if this scope may read a dataset of `kind` issued by organization `issuer_org`."""
        return kind in self.kinds or (
            bool(self.org) and issuer_org == self.org and kind in self.own_kinds
        )

    def fingerprint_part(self) -> str:
        """The scope as canonical text, bound into page tokens so a token grants nothing (E5)."""
        return "|".join((",".join(sorted(self.kinds)), self.org, ",".join(sorted(self.own_kinds))))


class SignedCheckpoint(NamedTuple):
    """A checkpoint this node signed: the tree size it covers and its signed note text."""

    size: int
    note: str


@dataclass(frozen=True, slots=True)
class PeerHead:
    """The latest checkpoint of one peer log that this node's witness accepted."""

    origin: str
    size: int
    root_hash: bytes
    note: str

    @property
    def checkpoint(self) -> Checkpoint:
        """The head as a checkpoint body (origin, size, root)."""
        return Checkpoint(self.origin, self.size, self.root_hash)
