"""JSON-LD contexts, JSON Schemas, profiles and accounting rules for carbon datasets.

The public API: `validate` (every violation, never raises for bad data), `detect_kind`,
`index_facets` (what the gateway indexes for list filters), the loaders for bundled contexts,
schemas and rules, and the translations in `schemas.translate`.
"""

from __future__ import annotations

from schemas.errors import (
    BundledResourceError,
    SchemasError,
    TranslationError,
    UnknownKindError,
    UnknownProfileError,
)
from schemas.facets import Facets, index_facets
from schemas.profiles import PROFILES
from schemas.resources import (
    CFX_CONTEXT_V1,
    bundled_rules,
    context_documents,
    load_context,
    load_schema,
)
from schemas.validation import KINDS, detect_kind, is_credential, validate
from schemas.violations import REASONS, Violation

__all__ = [
    "CFX_CONTEXT_V1",
    "KINDS",
    "PROFILES",
    "REASONS",
    "BundledResourceError",
    "Facets",
    "SchemasError",
    "TranslationError",
    "UnknownKindError",
    "UnknownProfileError",
    "Violation",
    "bundled_rules",
    "context_documents",
    "detect_kind",
    "index_facets",
    "is_credential",
    "load_context",
    "load_schema",
    "validate",
]
