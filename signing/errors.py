"""The one error tree of `signing`. Every failure a caller can act on has its own class here."""

from __future__ import annotations


class SigningError(Exception):
    """Base of every error raised by the signing package."""

    #: Stable machine-readable reason code (UPPER_SNAKE_CASE); subclasses override.
    reason: str = "SIGNING_ERROR"


# --- keys, Multikey and did:key (signing/keys.py, signing/multibase.py) ---


class KeyMaterialError(SigningError):
    """Base of key problems: encoding, type, file handling."""

    reason = "KEY_ERROR"


class MultibaseError(KeyMaterialError):
    reason = "MULTIBASE_INVALID"


class MultikeyError(KeyMaterialError):
    """A publicKeyMultibase/secretKeyMultibase with an unknown header or wrong length."""

    reason = "MULTIKEY_INVALID"


class UnsupportedKeyTypeError(KeyMaterialError):
    reason = "KEY_TYPE_UNSUPPORTED"


class DidKeyError(KeyMaterialError):
    """A did:key (or its verification method id) that cannot be resolved offline."""

    reason = "DID_KEY_INVALID"


class KeyFileError(KeyMaterialError):
    """A key file that is missing, unreadable or malformed."""

    reason = "KEY_FILE_INVALID"


class KeyFilePermissionError(KeyFileError):
    """A private-key file readable by group or others (K1): refused, never loaded."""

    reason = "KEY_FILE_PERMISSIONS"


class SignerError(SigningError):
    """Any failure inside a Signer (HSM, KMS, local key), wrapped in one type (K2)."""

    reason = "SIGNER_FAILED"


# --- canonicalization (signing.canon) ---------------------------------------------------------


class CanonicalizationError(SigningError):
    """RDF Dataset Canonicalization (RDFC-1.0) could not produce a canonical form."""

    reason = "CANONICALIZATION_ERROR"


class NQuadsSyntaxError(CanonicalizationError):
    """The N-Quads input does not follow the RDF 1.1 N-Quads grammar (or holds a relative IRI)."""

    reason = "NQUADS_SYNTAX_ERROR"

    def __init__(self, message: str, *, line: int) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


class UnsupportedHashAlgorithmError(CanonicalizationError):
    """RDFC-1.0 was asked to hash with something other than SHA-256 or SHA-384."""

    reason = "CANONICALIZATION_HASH_UNSUPPORTED"


class CanonicalizationLimitError(CanonicalizationError):
    """A `CanonLimits` cap was exceeded: too many quads or blank nodes, or a poisoned dataset."""

    reason = "CANONICALIZATION_LIMIT_EXCEEDED"

    def __init__(self, limit: str, cap: int) -> None:
        super().__init__(f"canonicalization exceeded {limit}={cap}")
        #: Name of the `CanonLimits` field that was exceeded, e.g. "max_ndegree_work".
        self.limit = limit
        self.cap = cap
