"""Declared-unit basis (PACT ADR-36, "clarify product amount").

PACT v2 (and Catena-X up to 7.x, which follows it) gives every figure per ONE unit of
measure (`unitaryProductAmount` only says how many units the product holds); PACT v3 (and
Catena-X 9/10) gives figures per `declaredUnitAmount` units. ADR-36's example: a 12 L bottle
of bio-ethanol is 1.5 kgCO2e/L in v2 and 18 kgCO2e in v3; its mass 0.789 kg/L becomes 9.468 kg.
So v2 -> v3 multiplies every extensive figure by the amount and v3 -> v2 divides, exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, Inexact, localcontext
from typing import Any

from schemas.translate.notes import (
    NOT_CONVERTIBLE,
    ROUNDED,
    SCALED,
    Translation,
    decimal_string,
    join,
    plain,
)
from schemas.translate.refusals import DeclaredUnitAmountUnknownError

# v3 pcf fields that are amounts per declared unit (kgCO2e, kgC, kg): they scale with it.
# Percentages, DQRs, flags and texts do not. landAreaOccupation is (m2 year)/DU: it scales too.
EXTENSIVE_V3 = (
    "productMassPerDeclaredUnit", "pcfExcludingBiogenicUptake", "pcfIncludingBiogenicUptake",
    "fossilGhgEmissions", "fossilCarbonContent", "biogenicCarbonContent", "recycledCarbonContent",
    "landUseChangeGhgEmissions", "landCarbonLeakage", "landManagementFossilGhgEmissions",
    "landManagementBiogenicCO2Emissions", "landManagementBiogenicCO2Removals",
    "biogenicCO2Uptake", "biogenicNonCO2Emissions", "landAreaOccupation", "aircraftGhgEmissions",
    "packagingGhgEmissions", "packagingBiogenicCarbonContent", "outboundLogisticsGhgEmissions",
    "ccsTechnologicalCO2Capture", "technologicalCO2Removals", "ccuCarbonContent",
)  # fmt: skip
_PRECISION = 34  # decimal128 digits: a quotient that needs more is rounded, with a ROUNDED note


def declared_amount(pcf: Mapping[str, Any], name: str, source_at: str) -> Decimal | None:
    """The positive amount of declared units in `pcf[name]`; None when no extensive figure is
    present (nothing to put on a basis); DeclaredUnitAmountUnknownError when figures are present
    but the amount is missing or not positive: the figures' basis cannot be known."""
    text = decimal_string(pcf.get(name))
    if text is not None and Decimal(text) > 0:
        return Decimal(text)
    if not any(field in pcf for field in EXTENSIVE_V3):
        return None
    raise DeclaredUnitAmountUnknownError(
        f"{source_at} is {pcf.get(name)!r}: without a positive amount of declared units "
        "the figures' basis (per one unit or per the amount, PACT ADR-36) cannot be known"
    )


def rescale(
    pcf: dict[str, Any],
    amount: Decimal,
    *,
    multiply: bool,
    result: Translation,
    at: str,
    source_name: Callable[[str], str],
) -> None:
    """Put the EXTENSIVE_V3 figures of `pcf` (v3 names, in place) on the other basis: times
    `amount` (per unit -> per amount) or divided by it. A SCALED note per figure, at its name in
    the source (`source_name`); nothing happens when the amount is 1."""
    if amount == 1:
        return
    verb, unit_from, unit_to = (
        ("multiplied", "one unit", f"{plain(amount)} units")
        if multiply
        else ("divided", f"{plain(amount)} units", "one unit")
    )
    for name in EXTENSIVE_V3:
        if name not in pcf:
            continue
        here = join(at, source_name(name))
        text = decimal_string(pcf[name])
        if text is None:
            result.note(here, NOT_CONVERTIBLE, f"{pcf.pop(name)!r} is not a decimal to rescale")
            continue
        with localcontext() as context:
            context.prec = _PRECISION
            context.clear_flags()  # the copy carries whatever earlier arithmetic flagged
            value = Decimal(text) * amount if multiply else Decimal(text) / amount
            pcf[name] = plain(value)  # normalize() rounds to the context: keep it inside
            inexact = bool(context.flags[Inexact])
        message = (
            f"{text} per {unit_from} {verb} by {plain(amount)} = {pcf[name]} per {unit_to} "
            "(PACT ADR-36: v2 figures are per one unit of measure, v3 per declaredUnitAmount)"
        )
        result.note(here, ROUNDED if inexact else SCALED, message)
