"""Decimal strings (xsd:decimal lexical form) as `decimal.Decimal`, for semantic checks.

The JSON Schemas decide whether a string is a well-formed decimal; this module only reads values
the schemas already accepted, and answers None for anything else so a check can skip it.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

# Same grammar as defs.schema.json#/$defs/Decimal; fullmatch, so no trailing-newline surprise.
DECIMAL_RE = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def parse(value: Any) -> Decimal | None:
    """`value` as a Decimal if it is an xsd:decimal string of at most 40 characters, else None."""
    if not isinstance(value, str) or len(value) > 40 or DECIMAL_RE.fullmatch(value) is None:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:  # unreachable after the regex; kept so bad data can never raise
        return None


def scale(value: str) -> int:
    """Number of digits after the decimal point in the lexical form ("3.50" -> 2)."""
    _, _, fraction = value.partition(".")
    return len(fraction)
