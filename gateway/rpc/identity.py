"""The caller's identity, taken from the verified client certificate (requirement G2).

Only a URI-type SAN of the documented SPIFFE form `spiffe://cfx/org/<org>/<role>` (gateway.pki)
names a client. gRPC's `x509_subject_alternative_name` mixes every SAN type, so a DNS name that
merely spells a registered URI would pass for it; we read `peer_uri` (URI SANs only) instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import grpc

from gateway.errors import UnauthenticatedError
from gateway.pki import is_client_san

# gRPC core's peer property holding the URI-type SANs of the verified certificate only
# (GRPC_PEER_URI_PROPERTY_NAME in grpc_security_constants.h).
_URI_SANS = "peer_uri"


@dataclass(frozen=True)
class Caller:
    """The authenticated peer: the SPIFFE URI SANs of its verified certificate."""

    sans: tuple[str, ...]


def client_identities(uri_sans: Iterable[bytes]) -> tuple[str, ...]:
    """The URI SANs that are identities (documented SPIFFE form), in order, without repeats."""
    decoded = (v.decode("utf-8", "replace") for v in uri_sans)
    return tuple(dict.fromkeys(v for v in decoded if is_client_san(v)))


def caller_from(context: grpc.ServicerContext) -> Caller:
    """The caller's identities: the spiffe URI SANs of its verified client certificate."""
    # gRPC core fills this only after it verified the chain against our CA (mTLS).
    values: Iterable[bytes] | bytes = context.auth_context().get(_URI_SANS) or []
    sans = client_identities([values] if isinstance(values, bytes) else values)
    if not sans:
        raise UnauthenticatedError(
            "the client certificate names no spiffe://cfx/org/… URI identity"
        )
    return Caller(sans)
