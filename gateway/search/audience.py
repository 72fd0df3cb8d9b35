"""Whom search results are for, and whether a dataset may go to them. Pure: no I/O.

A client searching at a node gets what its role's read scope and each dataset's usage policy
admit (the policy's `is_origin` holds for datasets submitted at that node, not for replicas).

A peer node searching here for one of its callers is the caller of record: it is authenticated
by the `node` identity this node issued to it, and gets at most what that identity may pull
(the usage policy for its organization and node role, as PullEntries). It names its own caller's
organization in `on_behalf_of`; that organization is added as a SECOND reader, and a dataset
goes back only when BOTH are admitted. The field is unauthenticated here (this node cannot
check who the peer's caller is), which is why it can only narrow: whatever a peer writes in it,
the answer is a subset of what its own identity could pull anyway. The searching node then
checks every result again for its caller (gateway.search.fanout), so a lying peer gains nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from gateway.domain import DatasetKind, NodeRole, ReadScope
from gateway.federation.policy import Audience, Reader
from gateway.store.model import StoredDataset
from gateway.trust import Organization

# What a peer node may find here: every kind but StatusUpdates, which travel with their target.
_PEER_KINDS = frozenset(DatasetKind) - {DatasetKind.STATUS_UPDATE}


@dataclass(frozen=True)
class Requester:
    """`scope`: the role-based read scope (None: every kind); `readers`: each must be admitted
    by the dataset's usage policy; `here`: a client of this node (origin rule applies)."""

    scope: ReadScope | None
    readers: tuple[Reader, ...]
    here: bool

    @classmethod
    def client(cls, caller: Organization, *, here: bool = True) -> Requester:
        """A client organization (not a node) searching at this node (`here`) or through it."""
        return cls(caller.read_scope, (Reader(caller.name, None, is_origin=False),), here)

    @classmethod
    def peer(cls, org: str, role: NodeRole, on_behalf_of: str) -> Requester:
        """A peer node, narrowed to `on_behalf_of` when it names an organization."""
        readers = [Reader(org, role, is_origin=False)]
        if on_behalf_of:
            readers.append(Reader(on_behalf_of, None, is_origin=False))
        return cls(ReadScope(kinds=_PEER_KINDS), tuple(readers), here=False)

    def fingerprint_part(self) -> str:
        """The requester as text, bound into page tokens (a token grants nothing)."""
        scope = self.scope.fingerprint_part() if self.scope else "*"
        return "|".join([scope, *(f"{r.org}/{r.role_name}" for r in self.readers)])

    def admits(
        self,
        record: StoredDataset,
        document: Mapping[str, Any],
        *,
        submitted_here: bool,
        now: datetime,
    ) -> bool:
        """True when every reader may receive the dataset (`submitted_here`: not a replica)."""
        if self.scope is not None and not self.scope.allows(record.kind, record.issuer_org):
            return False
        audience = Audience.of(document, origin_org=record.issuer_org)
        is_origin = self.here and submitted_here
        return all(audience.admits(replace(r, is_origin=is_origin), now) for r in self.readers)
