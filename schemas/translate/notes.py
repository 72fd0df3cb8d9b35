"""What a translation returns: the document plus a note for everything that did not map 1:1."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from schemas import pointer
from schemas.errors import TranslationError

#: reason codes of notes
DROPPED = "DROPPED"  # the source field has no counterpart in the target; its value is lost
NOT_CONVERTIBLE = "NOT_CONVERTIBLE"  # a counterpart exists but values cannot be converted
CONVERTED = "CONVERTED"  # renamed or re-encoded (JSON number -> decimal string, id -> URN, ...)
DERIVED = "DERIVED"  # computed from other fields because the definitions differ
DEFAULTED = "DEFAULTED"  # the target requires a field the source lacks; a default was set
MISSING_IN_SOURCE = "MISSING_IN_SOURCE"  # the target requires a field; nothing could fill it
# carried over unchanged, but the target spec disagrees with itself about the value (e.g. PACT v2
# prose caps exemptedEmissionsPercent at 5, its OpenAPI at 100): some receivers may reject it
DISPUTED_IN_TARGET = "DISPUTED_IN_TARGET"
# the value was rescaled exactly to the target's basis (PACT ADR-36: v2 figures are per one unit
# of measure, v3 figures per declaredUnitAmount units); the message names the factor
SCALED = "SCALED"
# the value could not be rescaled exactly (a non-terminating quotient); it was rounded
ROUNDED = "ROUNDED"
# carried over unchanged into a field whose definition differs; its meaning may have shifted
REINTERPRETED = "REINTERPRETED"
#: notes that mean the target does not say exactly what the source said
LOSSY = frozenset({DROPPED, NOT_CONVERTIBLE, MISSING_IN_SOURCE, ROUNDED, REINTERPRETED})


@dataclass(frozen=True, slots=True)
class TranslationNote:
    """One field that did not map 1:1; `reason` is one of the codes above."""

    pointer: str  # where in the *source* document
    reason: str
    message: str


@dataclass(slots=True)
class Translation:
    """A translated document and the notes on everything that did not map 1:1."""

    document: dict[str, Any]
    notes: list[TranslationNote] = field(default_factory=list)

    def note(self, at: str, reason: str, message: str) -> None:
        """Record a note at `at`, a pointer into the source document."""
        self.notes.append(TranslationNote(at, reason, message))

    @property
    def lossless(self) -> bool:
        """True when no value was lost or changed meaning (no LOSSY note): only then does the
        round trip give back exactly the source."""
        return not any(n.reason in LOSSY for n in self.notes)


def items(value: Any) -> list[Any]:
    """`value` if it is a JSON array, else []: sources are read defensively, never trusted."""
    return value if isinstance(value, list) else []


def require_object(value: Any, what: str) -> dict[str, Any]:
    """`value` if it is a JSON object; TranslationError (naming `what`) otherwise."""
    if not isinstance(value, dict):
        raise TranslationError(f"{what} must be a JSON object")
    return value


def decimal_string(value: Any) -> str | None:
    """A JSON number or decimal string as an xsd:decimal string (no exponent); None if neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    return format(number, "f")


def number(value: Any) -> int | float | None:
    """A decimal string as a JSON number (what Catena-X and PACT v2 percentages use)."""
    text = decimal_string(value)
    if text is None:
        return None
    result = Decimal(text)
    return (
        int(result) if result == result.to_integral_value() and "." not in text else float(result)
    )


def join(base: str, *tokens: str | int) -> str:
    """A pointer into the source document (RFC 6901)."""
    return pointer.join(base, *tokens)


def plain(number: Decimal) -> str:
    """`number` as the shortest exact decimal string: no exponent, no trailing zeros, no -0."""
    if number == 0:
        return "0"
    return format(number.normalize(), "f")
