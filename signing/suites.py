"""The four Data Integrity cryptosuites: their transformation, hashing and key types.

  eddsa-rdfc-2022   Ed25519        RDFC-1.0 (SHA-256)             vc-di-eddsa §3.3
  ecdsa-rdfc-2019   P-256 / P-384  RDFC-1.0 (SHA-256 / SHA-384)   vc-di-ecdsa §3.3
  eddsa-jcs-2022    Ed25519        RFC 8785 JCS                   vc-di-eddsa §3.4
  ecdsa-jcs-2019    P-256 / P-384  RFC 8785 JCS                   vc-di-ecdsa §3.4

hashData = H(canonical proof configuration) || H(canonical document); for P-384 H is SHA-384,
also *inside* RDFC-1.0 (vc-di-ecdsa "Algorithms"). The hash follows from the key, never from the
document.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Final, Literal

import rfc8785

from signing.budget import DEFAULT_JSONLD_LIMITS, JsonLdLimits, check_deadline
from signing.canon import CanonLimits, canonicalize_nquads, canonicalize_quads
from signing.canon.limits import DEFAULT_LIMITS
from signing.errors import InvalidDocumentError, UnsupportedCryptosuiteError, WrongKeyTypeError
from signing.keys import KeyType, hash_name_for
from signing.loader import PinnedLoader
from signing.rdf import to_dataset

PROOF_TYPE: Final = "DataIntegrityProof"
DEFAULT_SUITE: Final = "eddsa-rdfc-2022"


@dataclass(frozen=True, slots=True)
class Cryptosuite:
    """One DI cryptosuite: its name, its transformation and the key types it accepts."""

    name: str
    transform: Literal["rdfc", "jcs"]
    key_types: frozenset[KeyType]

    def check_key_type(self, key_type: str) -> None:
        """R6: the key's Multikey type must belong to the suite (eddsa: 0xed01 only)."""
        if key_type not in self.key_types:
            raise WrongKeyTypeError(
                f"cryptosuite {self.name} needs a {' or '.join(sorted(self.key_types))} key, "
                f"got {key_type}"
            )


SUITES: Final[dict[str, Cryptosuite]] = {
    suite.name: suite
    for suite in (
        Cryptosuite("eddsa-rdfc-2022", "rdfc", frozenset({"ed25519"})),
        Cryptosuite("ecdsa-rdfc-2019", "rdfc", frozenset({"p256", "p384"})),
        Cryptosuite("eddsa-jcs-2022", "jcs", frozenset({"ed25519"})),
        Cryptosuite("ecdsa-jcs-2019", "jcs", frozenset({"p256", "p384"})),
    )
}


def get_suite(name: Any) -> Cryptosuite:
    """The cryptosuite called `name`; UnsupportedCryptosuiteError if there is none."""
    suite = SUITES.get(name) if isinstance(name, str) else None
    if suite is None:
        raise UnsupportedCryptosuiteError(
            f"unsupported cryptosuite {name!r}; supported: {', '.join(SUITES)}"
        )
    return suite


def jcs(value: Any) -> bytes:
    """`value` canonicalized by RFC 8785 JCS; InvalidDocumentError if JCS cannot represent it."""
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        # e.g. an integer beyond 2^53 - 1, which JCS cannot represent (signing.md R9)
        raise InvalidDocumentError(f"document cannot be JCS-canonicalized: {exc}") from exc


def canonical_form(
    suite: Cryptosuite,
    value: dict[str, Any],
    loader: PinnedLoader,
    key_type: KeyType,
    *,
    limits: CanonLimits = DEFAULT_LIMITS,
    fast: bool = True,
    jsonld_limits: JsonLdLimits = DEFAULT_JSONLD_LIMITS,
    deadline: float | None = None,
    pointer_prefix: str = "",
) -> bytes:
    """`value` transformed as `suite` says: JCS bytes, or canonical N-Quads from RDFC-1.0.

    RDFC-1.0 hashes with the key's hash (SHA-384 for P-384, vc-di-ecdsa "Algorithms"). `fast`
    selects the compiled-context JSON-LD path (signing.fast_rdf) over pyld's; its quads reach
    the canonicalizer without an N-Quads text round trip. What the fast path does not model
    goes to pyld within `jsonld_limits`, or is refused (`signing.rdf.to_dataset`). Either way
    the same bounded RDFC-1.0 canonicalizer runs (signing.canon's default; bench/canon.py).
    """
    if suite.transform == "jcs":
        return jcs(value)
    dataset = to_dataset(
        value,
        loader,
        fast=fast,
        limits=jsonld_limits,
        deadline=deadline,
        pointer_prefix=pointer_prefix,
    )
    check_deadline(deadline)
    hash_algorithm = hash_name_for(key_type)
    if isinstance(dataset, str):
        canonical = canonicalize_nquads(
            dataset, hash_algorithm=hash_algorithm, limits=limits, deadline=deadline
        )
    else:
        canonical = canonicalize_quads(
            dataset, hash_algorithm=hash_algorithm, limits=limits, deadline=deadline
        )
    return canonical.encode()


def hash_data(key_type: KeyType, canonical_proof_config: bytes, canonical_document: bytes) -> bytes:
    """DI "Hashing": H(proof configuration) || H(document)."""
    name = hash_name_for(key_type)
    return (
        hashlib.new(name, canonical_proof_config).digest()
        + hashlib.new(name, canonical_document).digest()
    )
