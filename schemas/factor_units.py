"""Emission factor units: `<mass of gas>/<activity amount>`, e.g. kgCO2e/m3 for natural gas.

An EmissionFactor dataset is not only electricity (issue 13 Found 6): fuels are given per volume,
energy or mass, heat per energy, materials per mass, freight per tonne-kilometre. The numerator
says CO2-only or CO2e (which must fit the factor kind); the denominator must fit the activity.
"""

from __future__ import annotations

from typing import Any

NUMERATORS = ("kgCO2", "kgCO2e", "tCO2", "tCO2e")
#: Activity -> the amounts its factor may be given per.
ACTIVITY_DENOMINATORS: dict[str, frozenset[str]] = {
    "electricity": frozenset({"kWh", "MWh"}),
    "heat": frozenset({"GJ", "TJ", "kWh", "MWh"}),
    "steam": frozenset({"GJ", "TJ", "MWh", "t"}),
    "fuel": frozenset({"m3", "L", "GJ", "TJ", "kg", "t"}),
    "material": frozenset({"kg", "t"}),
    "transport": frozenset({"tkm"}),
}
DENOMINATORS = ("kWh", "MWh", "GJ", "TJ", "m3", "L", "kg", "t", "tkm")


def split(unit: Any) -> tuple[str, str] | None:
    """(numerator, denominator) of a known unit, else None."""
    if not isinstance(unit, str):
        return None
    numerator, slash, denominator = unit.partition("/")
    if slash and numerator in NUMERATORS and denominator in DENOMINATORS:
        return numerator, denominator
    return None


def is_co2_only(unit: Any) -> bool | None:
    """True for kgCO2/… and tCO2/…, False for CO2e units, None for an unknown unit."""
    parts = split(unit)
    return None if parts is None else not parts[0].endswith("e")


def fits_activity(unit: Any, activity: Any) -> bool:
    """False only when both are known and the unit is not per an amount of that activity."""
    parts = split(unit)
    allowed = ACTIVITY_DENOMINATORS.get(activity) if isinstance(activity, str) else None
    return parts is None or allowed is None or parts[1] in allowed
