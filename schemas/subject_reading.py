"""Guarded readers shared by the semantic checks of every kind (schemas.semantic, .attestation,
.customs): a check reads a document that may be only partly valid, so a value of the wrong shape
reads as absent and the schema alone reports it (one mistake, one violation)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from schemas import decimals, pointer
from schemas.datetimes import parse_date_time
from schemas.violations import Violation


def obj(value: Any) -> dict[str, Any]:
    """`value` if it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def array(value: Any) -> list[Any]:
    """`value` if it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []


def repeats(items: list[Any], at: str, member: str) -> Iterator[tuple[str, str]]:
    """(pointer, value) for each string `member` of the objects in `items` already met before."""
    seen: set[str] = set()
    for index, item in enumerate(items):
        value = obj(item).get(member)
        if isinstance(value, str):
            if value in seen:
                yield pointer.join(at, index, member), value
            seen.add(value)


def period_order(
    holder: dict[str, Any], start: str, end: str, at: str, *, strict: bool = True
) -> Iterator[Violation]:
    """PERIOD_ORDER when `holder[end]` is before (or, if `strict`, equal to) `holder[start]`."""
    begin, finish = parse_date_time(holder.get(start)), parse_date_time(holder.get(end))
    if begin is None or finish is None:
        return
    if finish < begin or (strict and finish == begin):
        yield Violation(
            pointer.join(at, end),
            "PERIOD_ORDER",
            f"{end} ({holder[end]}) must be after {start} ({holder[start]})",
        )


def rounding_tolerance(*texts: str) -> Decimal:
    """Within rounding: one unit in the last place of the least precise of the decimal `texts`
    (["62.40", "41.2"] -> 0.1). A bare exact figure such as an absent "0" should not be passed,
    or it widens the tolerance to a whole unit."""
    return Decimal(1).scaleb(-min(decimals.scale(text) for text in texts))
