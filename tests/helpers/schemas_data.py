"""The schemas examples index and documents loaded from it."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from schemas import resources

EXAMPLES = resources.EXAMPLES_DIR
INDEX: dict[str, Any] = json.loads((EXAMPLES / "index.json").read_bytes())
BATTERY_RULE = "urn:cfx:accounting-rule:power-battery:1.0.0"


def load(relative: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((EXAMPLES / relative).read_bytes())
    return document


def rules_for(name: str | None) -> dict[str, Any] | None:
    """Rule sets named in index.json (built here so the bundled rules stay the only rule files)."""
    if name is None:
        return None
    if name == "power-battery-without-gec":
        rules = copy.deepcopy(resources.bundled_rules())
        rules[BATTERY_RULE]["gecAccepted"] = False
        return rules
    raise AssertionError(f"unknown rule set {name}")


def valid_files() -> list[Path]:
    return sorted((EXAMPLES / "valid").glob("*.json")) + sorted(resources.RULES_DIR.glob("*.json"))


BATTERY = "valid/product-footprint-power-battery-with-gec.json"


def five_defects() -> dict[str, Any]:
    """The battery credential with five independent defects: a JSON number where a decimal
    string belongs, a biogenic sum that does not add up, a reference period that ends before it
    starts, an unknown field and a 31-digit GEC certificate id (bench/validate.py times it)."""
    document = load(BATTERY)
    pcf = document["credentialSubject"]["pcf"]
    pcf["fossilGhgEmissions"] = 61.9
    pcf["pcfIncludingBiogenicUptake"] = "70.00"
    pcf["referencePeriodEnd"] = "2024-01-01T00:00:00Z"
    pcf["biogenicCO2Withdrawal"] = "0"
    document["credentialSubject"]["electricity"]["gecClaims"][0]["firstCertificateId"] = "1" * 31
    return document
