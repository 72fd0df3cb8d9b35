"""Translations between cfx datasets and the formats partners speak.

Each returns a `Translation`: the translated document plus a `TranslationNote` (source pointer,
reason, message) for every field that was dropped, converted, derived or defaulted, so nothing is
lost silently. A TranslationError (each refusal with its own reason, schemas.translate.refusals)
when the input cannot be translated at all, or not without guessing what its figures are per.
"""

from __future__ import annotations

from schemas.translate.batterypass import dataset_to_battery_pass
from schemas.translate.catenax import catenax_to_dataset, catenax_to_pact_v3
from schemas.translate.notes import Translation, TranslationNote
from schemas.translate.pact import (
    dataset_to_pact_v3,
    pact_v2_to_v3,
    pact_v3_to_dataset,
    pact_v3_to_v2,
)
from schemas.translate.refusals import (
    BatteryPassInputsMissingError,
    DeclaredUnitAmountUnknownError,
    StagesDoNotAddUpError,
)

__all__ = [
    "BatteryPassInputsMissingError",
    "DeclaredUnitAmountUnknownError",
    "StagesDoNotAddUpError",
    "Translation",
    "TranslationNote",
    "catenax_to_dataset",
    "catenax_to_pact_v3",
    "dataset_to_battery_pass",
    "dataset_to_pact_v3",
    "pact_v2_to_v3",
    "pact_v3_to_dataset",
    "pact_v3_to_v2",
]
