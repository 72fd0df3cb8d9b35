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
