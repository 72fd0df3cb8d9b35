"""Turn jsonschema errors into field-level `Violation`s with stable reason codes.

This is the reference path: `validate` runs the compiled checks of `schemas.compiled`, and the
tests require both paths to give the same (pointer, reason) pairs on every example and on random
mutations, so a mistake in either shows up as a disagreement.

A reason comes from the failing subschema's `x-cfx-reason` annotation when it has one (so a bad GEC
number says INVALID_GEC_CERTIFICATE_ID, not "pattern"), else from the JSON Schema keyword.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from schemas import pointer
from schemas.decimals import DECIMAL_RE
from schemas.violations import Violation

_KEYWORD_REASONS = {
    "required": "MISSING_REQUIRED_FIELD",
    "additionalProperties": "UNKNOWN_FIELD",
    "type": "WRONG_TYPE",
    "const": "NOT_ALLOWED_VALUE",
    "enum": "NOT_ALLOWED_VALUE",
    "pattern": "INVALID_FORMAT",
    "format": "INVALID_FORMAT",
    "minLength": "EMPTY_VALUE",
    "maxLength": "TOO_LONG",
    "minItems": "TOO_FEW_ITEMS",
    "maxItems": "TOO_MANY_ITEMS",
    "uniqueItems": "DUPLICATE_ITEM",
    "minimum": "OUT_OF_RANGE",
    "maximum": "OUT_OF_RANGE",
    "anyOf": "NO_MATCHING_ALTERNATIVE",
    "oneOf": "NO_MATCHING_ALTERNATIVE",
}
# Keywords whose failure the x-cfx-reason annotation explains; a wrong JSON type stays WRONG_TYPE.
_ANNOTATED_KEYWORDS = frozenset(
    {"pattern", "format", "const", "enum", "minimum", "maximum", "minItems", "maxItems"}
)


def _reason(error: ValidationError) -> str:
    keyword = str(error.validator)
    schema = error.schema if isinstance(error.schema, dict) else {}
    if keyword in _ANNOTATED_KEYWORDS and "x-cfx-reason" in schema:
        if schema.get("x-cfx-decimal") and keyword == "pattern":
            # A sign or range rule only applies to a well-formed decimal; say which rule failed.
            value = error.instance
            if not (isinstance(value, str) and DECIMAL_RE.fullmatch(value)):
                return "INVALID_DECIMAL"
        return str(schema["x-cfx-reason"])
    if keyword == "type" and schema.get("x-cfx-decimal"):
        value = error.instance
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        return "DECIMAL_NOT_A_STRING" if is_number else "WRONG_TYPE"
    return _KEYWORD_REASONS.get(keyword, "SCHEMA_VIOLATION")


def _convert(error: ValidationError, base: str) -> Iterator[Violation]:
    at = pointer.from_path(base, error.absolute_path)
    keyword = error.validator
    instance: Any = error.instance
    if keyword == "required" and isinstance(instance, dict):
        required: list[str] = (
            list(error.validator_value) if isinstance(error.validator_value, list) else []
        )
        for name in required:
            if name not in instance:
                yield Violation(
                    pointer.join(at, name), "MISSING_REQUIRED_FIELD", f"{name!r} is required"
                )
        return
    if keyword == "additionalProperties" and isinstance(instance, dict):
        known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        for name in instance:
            if name not in known:
                yield Violation(
                    pointer.join(at, name),
                    "UNKNOWN_FIELD",
                    f"{name!r} is not a field of this object (removed, misspelt or misplaced)",
                )
        return
    yield Violation(at, _reason(error), error.message[:300])


def schema_violations(validator: Draft202012Validator, instance: Any, base: str) -> list[Violation]:
    """Every schema violation in `instance`, with pointers prefixed by `base`."""
    found: dict[tuple[str, str], Violation] = {}
    for error in validator.iter_errors(instance):
        for violation in _convert(error, base):
            found.setdefault((violation.pointer, violation.reason), violation)
    return list(found.values())


#: Every reason a JSON Schema (shape) violation can carry; any other reason comes from a profile,
#: rule or semantic check. The gateway reports SCHEMA_VIOLATION vs RULE_VIOLATION from this.
SCHEMA_REASONS: frozenset[str] = frozenset(
    {*_KEYWORD_REASONS.values(), "INVALID_DECIMAL", "DECIMAL_NOT_A_STRING", "SCHEMA_VIOLATION"}
)
