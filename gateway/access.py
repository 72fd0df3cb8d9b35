"""Who may do what: the caller's organization and its permissions, decided in one place.

Pure functions over a trust-registry snapshot; the gRPC edge, the intake and the catalog ask
these, so a read rule or a submit rule is never written twice.
"""

from __future__ import annotations

from collections.abc import Iterable

from gateway.domain import DatasetKind
from gateway.errors import NodeMayNotSubmitError, PermissionDeniedError, UnregisteredCallerError
from gateway.trust import Organization, Role, TrustRegistry


def caller_organization(registry: TrustRegistry, identities: Iterable[str]) -> Organization:
    """The organization a verified mTLS peer speaks for; refused when none is registered (G2)."""
    org = registry.organization_for_peer_identities(identities)
    if org is None:
        raise UnregisteredCallerError
    return org


def is_operator(org: Organization) -> bool:
    """The registry operator may act for any organization (it runs the node)."""
    return Role.REGISTRY_OPERATOR in org.roles


def authorize_submitter(caller: Organization, issuer_org: Organization) -> None:
    """A caller submits (or retires) only datasets its own organization issued; a peer node's
    identity submits nothing, not even its own organization's datasets."""
    if Role.NODE in caller.roles:
        raise NodeMayNotSubmitError(caller.name)
    if caller.name != issuer_org.name and not is_operator(caller):
        raise PermissionDeniedError(
            f"{caller.name} may not submit datasets issued by {issuer_org.name}"
        )


def reads_every_kind(caller: Organization) -> bool:
    """A caller that may read every kind learns whether a name exists; others never do."""
    return caller.readable_kinds >= frozenset(DatasetKind)
