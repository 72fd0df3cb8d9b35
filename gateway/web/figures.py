"""A footprint's figures as the page tables them: pure, read from the credentialSubject.

Figures stay the strings the issuer signed (no float rounding); only the GEC range sizes are
computed, with `schemas.electricity.claim_range` (1 GEC = 1 MWh), the same code the semantic
checks use. Units and bases are carried with every figure: a number without them is not shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from schemas.electricity import certified_mwh, claim_range

# PACT v3 (pcf): every emission figure is kgCO2e per declaredUnitAmount declaredUnitOfMeasurement.
PCF_FIGURES = (
    "pcfExcludingBiogenicUptake",
    "pcfIncludingBiogenicUptake",
    "fossilGhgEmissions",
    "landUseChangeGhgEmissions",
    "packagingGhgEmissions",
)


@dataclass(frozen=True)
class GecRow:
    """One claimed run of green electricity certificate serials."""

    first: str
    last: str
    technology: str
    mwh: int | None  # None when the range is malformed (the findings say why)


@dataclass(frozen=True)
class Electricity:
    """The electricity block: which basis the headline uses and both results per declared unit."""

    headline_basis: str
    consumed_mwh: str
    location_based: str
    certificate_adjusted: str
    residual_mix_basis: str
    gec: tuple[GecRow, ...]
    certified_mwh: str


@dataclass(frozen=True)
class Footprint:
    """The figures of a product footprint, each per `declared_amount` `declared_unit`."""

    declared_amount: str
    declared_unit: str
    figures: tuple[tuple[str, str], ...]  # (PACT field name, kgCO2e per declared unit)
    stages: tuple[tuple[str, str], ...]  # (GB/T 24067 life-cycle stage, kgCO2e)
    electricity: Electricity | None


def footprint_of(subject: dict[str, Any]) -> Footprint | None:
    """The table of a ProductFootprint subject; None for other kinds (no pcf block)."""
    pcf = subject.get("pcf")
    if not isinstance(pcf, dict):
        return None
    figures = tuple((name, _text(pcf.get(name))) for name in PCF_FIGURES if name in pcf)
    gbt = _obj(subject.get("gbt24067"))
    stages = tuple(
        (_text(s.get("stage")), _text(s.get("ghgEmissions")))
        for s in _list(gbt.get("lifecycleStageEmissions"))
        if isinstance(s, dict)
    )
    block = subject.get("electricity")
    return Footprint(
        declared_amount=_text(pcf.get("declaredUnitAmount")),
        declared_unit=_text(pcf.get("declaredUnitOfMeasurement")),
        figures=figures,
        stages=stages,
        electricity=_electricity(block) if isinstance(block, dict) else None,
    )


def _electricity(block: dict[str, Any]) -> Electricity:
    rows = []
    for claim in _list(block.get("gecClaims")):
        found = claim_range(claim)
        claim_obj = _obj(claim)
        rows.append(
            GecRow(
                first=_text(claim_obj.get("firstCertificateId")),
                last=_text(claim_obj.get("lastCertificateId")),
                technology=_text(claim_obj.get("technology")),
                mwh=found.size if found is not None else None,
            )
        )
    total = sum(certified_mwh(block).values(), Decimal(0))
    return Electricity(
        headline_basis=_text(block.get("headlineBasis")),
        consumed_mwh=_text(block.get("electricityConsumedMWh")),
        location_based=_text(block.get("locationBasedGhgEmissions")),
        certificate_adjusted=_text(block.get("certificateAdjustedGhgEmissions")),
        residual_mix_basis=_text(block.get("residualMixBasis")),
        gec=tuple(rows),
        certified_mwh=f"{total:f}",
    )


def _text(value: Any) -> str:
    """A signed figure as written; structures the schema refuses show as empty."""
    if isinstance(value, bool) or value is None or isinstance(value, dict | list):
        return ""
    return str(value)


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
