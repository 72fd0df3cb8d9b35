"""Semantic checks of the optional customs block (`credentialSubject.customs`).

Customs matches a footprint to a declaration line by tariff code, origin and installation, and
reads the direct/indirect split the way EU 2023/956 (CBAM) Annex IV reports embedded emissions.
All emissions are kgCO2e per declared unit (PACT v3: per declaredUnitAmount x unit), as pcf's are.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from schemas import decimals, pointer
from schemas.subject_reading import array, obj, rounding_tolerance
from schemas.violations import Violation

# No grid on earth emits more than this per kWh (coal-only grids are near 1.2 kgCO2e/kWh); an
# implied factor above it means a unit slip (kg vs t, MWh vs kWh), usually by 1,000.
_MAX_IMPLIED_KG_PER_KWH = Decimal(2)
_HS_CLASSIFICATION = ":hs-code:"


def _split(customs: dict[str, Any], pcf: dict[str, Any], at: str) -> Iterator[Violation]:
    """direct + indirect equals the PCF within rounding (splitCovers "pcf"), or stays within it
    (splitCovers "production-process": the installation's share of a longer life cycle)."""
    texts = [customs.get("directEmissions"), customs.get("indirectEmissions")]
    texts.append(pcf.get("pcfExcludingBiogenicUptake"))
    values = [decimals.parse(text) for text in texts]
    direct, indirect, total = values
    if direct is None or indirect is None or total is None:
        return
    tolerance = rounding_tolerance(*(str(text) for text in texts))
    covers, split = customs.get("splitCovers"), direct + indirect
    if covers == "pcf" and abs(split - total) > tolerance:
        yield Violation(
            pointer.join(at, "directEmissions"),
            "CUSTOMS_SPLIT_SUM_MISMATCH",
            f"direct {texts[0]} + indirect {texts[1]} != pcfExcludingBiogenicUptake {texts[2]} "
            f"(tolerance {tolerance}); set splitCovers production-process if they cover less",
        )
    if covers == "production-process" and split > total + tolerance:
        yield Violation(
            pointer.join(at, "directEmissions"),
            "CUSTOMS_SPLIT_ABOVE_PCF",
            f"direct {texts[0]} + indirect {texts[1]} exceed the whole pcf {texts[2]}",
        )


def _origin(customs: dict[str, Any], at: str) -> Iterator[Violation]:
    region = obj(customs.get("plantLocation")).get("region")
    origin = customs.get("countryOfOrigin")
    if not isinstance(origin, str) or len(origin) != 2:
        return  # the schema reports a malformed country code
    if isinstance(region, str) and region[:2] != origin:
        yield Violation(
            pointer.join(at, "plantLocation", "region"),
            "PLANT_OUTSIDE_COUNTRY_OF_ORIGIN",
            f"the plant is in {region}, the goods' origin is {origin}",
        )


def _tariff_code(customs: dict[str, Any], subject: dict[str, Any], at: str) -> Iterator[Violation]:
    """The 8-10 digit code refines the HS classification the footprint names (if it names one)."""
    code = customs.get("hsCode")
    named = [
        item.rpartition(":")[2]
        for item in array(subject.get("productClassifications"))
        if isinstance(item, str) and _HS_CLASSIFICATION in item
    ]
    if not isinstance(code, str) or not named:
        return
    if not any(code.startswith(hs) or hs.startswith(code) for hs in named):
        yield Violation(
            pointer.join(at, "hsCode"),
            "CUSTOMS_HS_CODE_CLASSIFICATION_MISMATCH",
            f"{code} is not within the HS classification(s) {', '.join(named)}",
        )


def _electricity(customs: dict[str, Any], at: str) -> Iterator[Violation]:
    mwh = decimals.parse(customs.get("electricityMWhPerDeclaredUnit"))
    indirect = decimals.parse(customs.get("indirectEmissions"))
    if mwh is None or indirect is None or mwh == 0:
        return
    implied = indirect / (mwh * 1000)  # kgCO2e per kWh
    if implied > _MAX_IMPLIED_KG_PER_KWH:
        yield Violation(
            pointer.join(at, "indirectEmissions"),
            "CUSTOMS_INDIRECT_EMISSIONS_IMPLAUSIBLE",
            f"indirect emissions imply {implied:.3f} kgCO2e/kWh of electricity, above any grid's "
            f"{_MAX_IMPLIED_KG_PER_KWH}: check kg vs t and MWh vs kWh",
        )


def checks(subject: dict[str, Any], base: str) -> Iterator[Violation]:
    """Customs block checks (nothing when the footprint has no customs block)."""
    customs = subject.get("customs")
    if not isinstance(customs, dict):
        return
    at = pointer.join(base, "customs")
    yield from _split(customs, obj(subject.get("pcf")), at)
    yield from _origin(customs, at)
    yield from _tariff_code(customs, subject, at)
    yield from _electricity(customs, at)
