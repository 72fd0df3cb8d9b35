"""Typed errors of the `schemas` package. Bad *data* never raises: it becomes a `Violation`.

These are for misuse (an unknown profile or kind name) and for a broken installation (a bundled
file missing or altered), each with a stable `reason` code.
"""

from __future__ import annotations


class SchemasError(Exception):
    """Base of every error raised by `schemas`."""

    reason = "SCHEMAS_ERROR"


class UnknownProfileError(SchemasError):
    """A profile name that `schemas.profiles.PROFILES` does not list."""

    reason = "UNKNOWN_PROFILE"


class UnknownKindError(SchemasError):
    """A dataset kind that has no bundled schema."""

    reason = "UNKNOWN_KIND"


class BundledResourceError(SchemasError):
    """A context, schema or rule shipped with the package is missing or does not match its pin."""

    reason = "BUNDLED_RESOURCE_INVALID"


class TranslationError(SchemasError):
    """The input cannot be translated at all (losses are not errors: they become notes)."""

    reason = "UNTRANSLATABLE"
