"""cfx battery footprint -> EU Battery Pass `CarbonFootprint` aspect (io.BatteryPass.CarbonFootprint
1.x; federation.md §4.4), on the Battery Regulation's basis or not at all.

Reg. (EU) 2023/1542 Art. 7 and Annex II: the figure is kgCO2e per kWh of the TOTAL energy the
battery delivers over its expected service life, over the life cycle stages raw material
acquisition and pre-processing, main product production, distribution, and end of life and
recycling (the use stage is excluded). A cfx footprint is usually per kWh of RATED capacity and
cradle to gate, and may be GEC-adjusted; the draft delegated act (Ares(2024)3131389) accepts
contractual instruments only under criteria a GEC does not show, so the location-based figure is
used. What is missing is named in a BatteryPassInputsMissingError instead of guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from schemas.translate.notes import (
    CONVERTED,
    DERIVED,
    DROPPED,
    MISSING_IN_SOURCE,
    Translation,
    decimal_string,
    plain,
    require_object,
)
from schemas.translate.refusals import BatteryPassInputsMissingError, StagesDoNotAddUpError

# cfx gbt24067.lifecycleStageEmissions stage -> Battery Pass lifecycleStage (Annex II stages)
_STAGES = {
    "RawMaterialExtraction": "RawMaterialExtraction",
    "MainProduction": "MainProduction",
    "Distribution": "Distribution",
    "EndOfLife": "Recycling",
}
_USE = "Use"  # Annex II excludes it (not under the manufacturer's influence)
_FUNCTIONAL_UNIT = "1 kWh of total energy delivered by the battery over its expected service life"
_SCOPE = "cradle to grave without the use stage (Reg. (EU) 2023/1542 Annex II)"
_STAGE_TOLERANCE = Decimal("0.001")  # stage figures are rounded when reported: 0.1 % of the total
_LOCATION, _ADJUSTED = "location-based", "certificate-adjusted"


def _positive(value: Any) -> Decimal | None:
    text = decimal_string(value)
    return Decimal(text) if text is not None and Decimal(text) > 0 else None


@dataclass(frozen=True, slots=True)
class _Inputs:
    """What the regulation's figure needs, read from the footprint (all per declared unit)."""

    total: Decimal  # location-based pcfExcludingBiogenicUptake
    stages: dict[str, Decimal]  # cfx stage -> location-based emissions
    per_battery: tuple[Decimal, Decimal]  # a figure per declared unit x [0] / [1] = per battery
    lifetime_energy_kwh: Decimal

    def per_lifetime_kwh(self, value: Decimal) -> Decimal:
        """`value` (per declared unit) per kWh delivered: one division, exact when it can be."""
        return value * self.per_battery[0] / (self.per_battery[1] * self.lifetime_energy_kwh)


def _per_battery(
    pcf: dict[str, Any], battery: dict[str, Any], missing: list[str], result: Translation
) -> tuple[Decimal, Decimal] | None:
    """(numerator, denominator) turning a figure per declared unit into one per battery: per
    piece 1 / amount; per kWh, the power-battery rule's declared unit is kWh of RATED capacity,
    so ratedCapacityKWh / amount."""
    amount = _positive(pcf.get("declaredUnitAmount"))
    unit = pcf.get("declaredUnitOfMeasurement")
    if amount is None:
        missing.append("/pcf/declaredUnitAmount (a positive decimal)")
        return None
    if unit == "piece":
        return Decimal(1), amount
    if unit != "kilowatt hour":
        missing.append(f"/pcf/declaredUnitOfMeasurement piece or kilowatt hour (is {unit!r})")
        return None
    rated = _positive(battery.get("ratedCapacityKWh"))
    if rated is None:
        missing.append("/battery/ratedCapacityKWh (the declared kWh are rated capacity)")
        return None
    result.note(
        "/pcf/declaredUnitAmount",
        DERIVED,
        f"{plain(amount)} kWh of rated capacity = {plain(amount / rated)} battery at "
        f"{plain(rated)} kWh rated (power-battery rule: declared unit is rated kWh)",
    )
    return rated, amount


def _electricity_shift(source: dict[str, Any], missing: list[str], result: Translation) -> Decimal:
    """What to add to the headline to make it location-based: 0 unless the headline is
    certificate-adjusted; then location-based minus adjusted electricity emissions."""
    electricity = source.get("electricity")
    if not isinstance(electricity, dict):
        return Decimal(0)
    basis = electricity.get("headlineBasis")
    if basis is None and not electricity.get("gecClaims"):
        return Decimal(0)
    if basis not in (_LOCATION, _ADJUSTED):  # a tuple: the value may be unhashable JSON
        missing.append(
            "/electricity/headlineBasis (certificate use: is the headline location-based or "
            "certificate-adjusted?)"
        )
        return Decimal(0)
    if basis == _LOCATION:
        return Decimal(0)
    location = decimal_string(electricity.get("locationBasedGhgEmissions"))
    adjusted = decimal_string(electricity.get("certificateAdjustedGhgEmissions"))
    if location is None or adjusted is None:
        missing.append(
            "/electricity/locationBasedGhgEmissions and certificateAdjustedGhgEmissions "
            "(to restate a certificate-adjusted headline location-based)"
        )
        return Decimal(0)
    shift = Decimal(location) - Decimal(adjusted)
    result.note(
        "/electricity/headlineBasis",
        DERIVED,
        f"certificate-adjusted headline restated location-based: +{plain(shift)} per declared "
        "unit of the plant's electricity, in MainProduction (the draft delegated act does not "
        "accept GECs as they are)",
    )
    return shift


def _stages(source: dict[str, Any], missing: list[str]) -> dict[str, Decimal]:
    gbt = source.get("gbt24067")
    gbt = gbt if isinstance(gbt, dict) else {}
    boundary = gbt.get("systemBoundary")
    if boundary is not None and boundary != "cradle-to-grave":
        missing.append(f"/gbt24067/systemBoundary cradle-to-grave (is {boundary!r})")
    stages: dict[str, Decimal] = {}
    entries = gbt.get("lifecycleStageEmissions")
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        value = decimal_string(entry.get("ghgEmissions"))
        stage = entry.get("stage")
        if isinstance(stage, str) and value is not None:
            stages[stage] = stages.get(stage, Decimal(0)) + Decimal(value)
    absent = [stage for stage in _STAGES if stage not in stages]
    if absent:
        missing.append("/gbt24067/lifecycleStageEmissions stages " + ", ".join(absent))
    return stages


def _inputs(source: dict[str, Any], result: Translation) -> _Inputs:
    """Everything the figure needs, or one error naming every missing input."""
    missing: list[str] = []
    pcf = require_object(source.get("pcf"), "pcf")
    battery = source.get("battery")
    battery = battery if isinstance(battery, dict) else {}
    lifetime = _positive(battery.get("lifetimeEnergyKWh"))
    if lifetime is None:
        missing.append("/battery/lifetimeEnergyKWh (total energy delivered over the service life)")
    per_unit = _per_battery(pcf, battery, missing, result)
    total = decimal_string(pcf.get("pcfExcludingBiogenicUptake"))
    if total is None:
        missing.append("/pcf/pcfExcludingBiogenicUptake")
    stages = _stages(source, missing)
    shift = _electricity_shift(source, missing, result)
    if missing or total is None or per_unit is None or lifetime is None:
        raise BatteryPassInputsMissingError(missing)
    stage_sum = sum(stages.values(), Decimal(0))
    if abs(stage_sum - Decimal(total)) > _STAGE_TOLERANCE * abs(Decimal(total)):
        raise StagesDoNotAddUpError(
            f"life-cycle stages sum to {plain(stage_sum)}, the footprint says {total}"
        )
    stages["MainProduction"] += shift
    return _Inputs(Decimal(total) + shift, stages, per_unit, lifetime)


def dataset_to_battery_pass(
    document: Any,
    *,
    performance_class: str | None = None,
    study_url: str | None = None,
) -> Translation:
    """The Battery Pass CarbonFootprint of a cfx ProductFootprint (dataset or credential) with a
    battery block, on the regulation's basis (see the module doc); BatteryPassInputsMissingError
    naming every missing input otherwise. The result carries `cfxBasis` (functional unit, scope,
    electricity basis, exact decimals). Performance class and study link are not in a footprint:
    the caller supplies them, or the notes say the aspect is incomplete."""
    source = require_object(document, "a cfx footprint")
    if "credentialSubject" in source:
        source = require_object(source["credentialSubject"], "credentialSubject")
    result = Translation({})
    inputs = _inputs(source, result)
    use = inputs.stages.get(_USE, Decimal(0))
    if _USE in inputs.stages:
        result.note("/gbt24067/lifecycleStageEmissions", DROPPED, "Use stage: Annex II excludes it")
    numerator, denominator = inputs.per_battery
    per_battery = (inputs.total - use) * numerator / denominator
    figure = inputs.per_lifetime_kwh(inputs.total - use)
    stages = {_STAGES[name]: inputs.per_lifetime_kwh(inputs.stages[name]) for name in _STAGES}
    result.document.update(
        {
            "batteryCarbonFootprint": float(figure),
            "absoluteCarbonFootprint": float(per_battery),
            "carbonFootprintPerLifecycleStage": [
                {"lifecycleStage": stage, "carbonFootprint": float(value)}
                for stage, value in stages.items()
            ],
            "cfxBasis": {
                "functionalUnit": _FUNCTIONAL_UNIT,
                "unit": "kgCO2e/kWh",
                "scope": _SCOPE,
                "electricityBasis": _LOCATION,
                "biogenic": "excluding biogenic uptake (pcfExcludingBiogenicUptake)",
                "lifetimeEnergyKWh": plain(inputs.lifetime_energy_kwh),
                "batteryCarbonFootprint": plain(figure),
                "absoluteCarbonFootprintKg": plain(per_battery),
                "perLifecycleStage": {stage: plain(value) for stage, value in stages.items()},
            },
        }
    )
    result.note(
        "/pcf/pcfExcludingBiogenicUptake",
        CONVERTED,
        f"per kWh of lifetime energy: {plain(per_battery)} kgCO2e per battery / "
        f"{plain(inputs.lifetime_energy_kwh)} kWh = {plain(figure)} (exact in cfxBasis)",
    )
    _caller_supplied(result, performance_class, study_url)
    return result


def _caller_supplied(result: Translation, performance_class: str | None, study: str | None) -> None:
    if performance_class is None:
        result.note("", MISSING_IN_SOURCE, "carbonFootprintPerformanceClass is not in a footprint")
    else:
        result.document["carbonFootprintPerformanceClass"] = performance_class
    if study is None:
        result.note("", MISSING_IN_SOURCE, "carbonFootprintStudy (public study link) not given")
    else:
        result.document["carbonFootprintStudy"] = study
