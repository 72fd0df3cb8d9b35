"""cfx battery footprint -> EU Battery Pass `CarbonFootprint` aspect (io.BatteryPass.CarbonFootprint
1.0.0 shape; federation.md §4.4). Values are kg CO2e per kWh as JSON numbers (SAMM doubles)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from schemas.errors import TranslationError
from schemas.translate.notes import (
    CONVERTED,
    DROPPED,
    MISSING_IN_SOURCE,
    Translation,
    decimal_string,
    require_object,
)

# cfx gbt24067.lifecycleStageEmissions stage -> Battery Pass lifecycleStage
_STAGES = {
    "RawMaterialExtraction": "RawMaterialExtraction",
    "MainProduction": "MainProduction",
    "Distribution": "Distribution",
    "EndOfLife": "Recycling",
}


def _per_kwh(value: Any, amount: Decimal) -> float | None:
    text = decimal_string(value)
    return None if text is None else float(Decimal(text) / amount)


def dataset_to_battery_pass(
    document: Any,
    *,
    performance_class: str | None = None,
    study_url: str | None = None,
) -> Translation:
    """The Battery Pass CarbonFootprint of a cfx ProductFootprint (dataset or credential) whose
    declared unit is kWh. The performance class and the study link are not in a footprint, so
    the caller supplies them; without them the notes say the aspect is incomplete."""
    source = require_object(document, "a cfx footprint")
    if "credentialSubject" in source:
        source = require_object(source["credentialSubject"], "credentialSubject")
    pcf = require_object(source.get("pcf"), "pcf")
    if pcf.get("declaredUnitOfMeasurement") != "kilowatt hour":
        raise TranslationError("the Battery Pass footprint is per kWh; declared unit is not kWh")
    amount_text = decimal_string(pcf.get("declaredUnitAmount"))
    if amount_text is None or Decimal(amount_text) <= 0:
        raise TranslationError("declaredUnitAmount must be a positive decimal")
    amount = Decimal(amount_text)
    total = _per_kwh(pcf.get("pcfExcludingBiogenicUptake"), amount)
    if total is None:
        raise TranslationError("pcfExcludingBiogenicUptake is missing or not a decimal")
    result = Translation({"batteryCarbonFootprint": total})
    out = result.document
    result.note("/pcf/pcfExcludingBiogenicUptake", CONVERTED, "per kWh, as a JSON number")
    stages: list[dict[str, Any]] = []
    gbt = source.get("gbt24067")
    entries = gbt.get("lifecycleStageEmissions") if isinstance(gbt, dict) else None
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        if not isinstance(entry, dict):
            continue
        at = f"/gbt24067/lifecycleStageEmissions/{index}"
        stage = _STAGES.get(str(entry.get("stage")))
        value = _per_kwh(entry.get("ghgEmissions"), amount)
        if stage is None or value is None:
            result.note(at, DROPPED, f"stage {entry.get('stage')!r} has no Battery Pass stage")
            continue
        stages.append({"lifecycleStage": stage, "carbonFootprint": value})
    if not stages:
        result.note("/gbt24067/lifecycleStageEmissions", MISSING_IN_SOURCE, "no stage breakdown")
    out["carbonFootprintPerLifecycleStage"] = stages
    if performance_class is None:
        result.note("", MISSING_IN_SOURCE, "carbonFootprintPerformanceClass is not in a footprint")
    else:
        out["carbonFootprintPerformanceClass"] = performance_class
    if study_url is None:
        result.note("", MISSING_IN_SOURCE, "carbonFootprintStudy (public study link) not given")
    else:
        out["carbonFootprintStudy"] = study_url
    return result
