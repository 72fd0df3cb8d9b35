"""Electricity block v2: the arithmetic a certifier would redo (docs/schemas-electricity.md).

GB/T 24067-2024 counts electricity with the life cycle of its supply system (the clause on
electricity in the inventory analysis, 6.4.9.4 of ISO 14067:2018 which it adopts; federation.md
§5.1), so every factor here is a life-cycle factor per kWh. The certificate-adjusted result
follows the market-based option ISO 14067 6.4.9.4.3 keeps for supplier-specific electricity
(a tracked, cancelled, unique instrument) and GHG Protocol Scope 2 guidance for the rest:

    adjusted = ( sum over supplies of uncovered MWh x residual factor
               + sum over GEC ranges of certificates (1 GEC = 1 MWh) x technology factor )
               x 1000 / declared units produced                        [kgCO2e per declared unit]

Uncovered power takes the published residual factor when there is one; where none is published
(as for the national life-cycle factors today) it takes the grid average, and the footprint says
so (`residualMixBasis: grid-average-no-residual-published`): the remaining double counting is a
warning, not a silent pass or a refusal.

Tolerance (one rule for every derived figure): |stated - computed| <= max(one unit in the last
place of the coarsest stated figure, 0.1 % of the computed value). It absorbs honest rounding of
inputs and results and catches slips such as 52.35 vs 42.35 or 0 vs 9.3.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from schemas import decimals, factor_units, pointer
from schemas.subject_reading import array, obj, rounding_tolerance
from schemas.violations import Severity, Violation

#: 2023 electricity carbon footprint factors per technology, kgCO2e/kWh (MEE, NBS and NEA,
#: announcement of 2025-01-17; federation.md §5.2). Used when a claim states no factor.
TECHNOLOGY_FACTORS_2023: dict[str, Decimal] = {
    "wind": Decimal("0.0336"),
    "solar-pv": Decimal("0.0545"),
    "biomass": Decimal("0.0457"),
}
#: Plausible life-cycle electricity factors, kgCO2e/kWh (= tCO2e/MWh): lignite power is about
#: 1.2 over its life cycle, hydro and nuclear a few grams; outside this a unit slipped (186.6).
PLAUSIBLE_FACTOR = (Decimal("0.001"), Decimal("2.0"))
RELATIVE_TOLERANCE = Decimal("0.001")
#: The last 15 digits end in a 7-digit certificate sequence (federation.md §5.2).
MAX_RANGE = 10**7
MAIN = "main"  # the supply of the top-level gridFactor: consumption not attributed to a site


def tolerance(texts: list[str], computed: Decimal) -> Decimal:
    """The module's one tolerance for `computed` against figures stated as `texts`."""
    return max(rounding_tolerance(*texts), abs(computed) * RELATIVE_TOLERANCE)


def _mismatch(at: str, reason: str, text: Any, computed: Decimal, what: str) -> Iterator[Violation]:
    stated = decimals.parse(text)
    if stated is None:
        return
    allowed = tolerance([text], computed)
    if abs(stated - computed) > allowed:
        yield Violation(
            at,
            reason,
            f"{what} is {text} but computes to {computed.normalize():f} (tolerance {allowed})",
        )


@dataclass(frozen=True)
class GecRange:
    """A claimed run of certificate serials, `first` to `last` inclusive (1 GEC = 1 MWh)."""

    first: str
    last: str

    @property
    def size(self) -> int:
        """Certificates (= MWh) in the range (0 or less when it runs backwards)."""
        return int(self.last) - int(self.first) + 1


def claim_range(claim: Any) -> GecRange | None:
    """The serial range of a claim: two well-formed ids of one project (same 17-digit project
    code), in order; None otherwise."""
    first, last = obj(claim).get("firstCertificateId"), obj(claim).get("lastCertificateId")
    if not (isinstance(first, str) and isinstance(last, str)):
        return None
    if not (_serial(first) and _serial(last)):
        return None
    found = GecRange(first, last)
    return found if first[:17] == last[:17] and 1 <= found.size <= MAX_RANGE else None


def _serial(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 32 and value.isdigit()


@dataclass(frozen=True)
class _Supply:
    key: str  # MAIN or a siteId
    at: str
    holder: dict[str, Any]
    mwh: Decimal


def _supplies(block: dict[str, Any], at: str) -> list[_Supply]:
    sites: list[_Supply] = []
    for index, item in enumerate(array(block.get("sites"))):
        site = obj(item)
        mwh = decimals.parse(site.get("electricityConsumedMWh"))
        if isinstance(site.get("siteId"), str) and mwh is not None:
            sites.append(_Supply(site["siteId"], pointer.join(at, "sites", index), site, mwh))
    total = decimals.parse(block.get("electricityConsumedMWh")) or Decimal(0)
    main = total - sum((s.mwh for s in sites), Decimal(0))
    return [_Supply(MAIN, at, block, main), *sites]


def _factor(holder: Any) -> Decimal | None:
    return decimals.parse(obj(holder).get("factorValue"))


def _factor_holders(block: dict[str, Any], at: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(pointer, factor object) for every factor the block states."""
    for supply in _supplies(block, at):
        for name in ("gridFactor", "residualFactor"):
            if isinstance(supply.holder.get(name), dict):
                yield pointer.join(supply.at, name), supply.holder[name]
    for index, claim in enumerate(array(block.get("gecClaims"))):
        if isinstance(obj(claim).get("technologyFactor"), dict):
            yield (
                pointer.join(at, "gecClaims", index, "technologyFactor"),
                claim["technologyFactor"],
            )


def _plausible(block: dict[str, Any], at: str) -> Iterator[Violation]:
    low, high = PLAUSIBLE_FACTOR
    for factor_at, holder in _factor_holders(block, at):
        value = _factor(holder)
        if value is not None and not low <= value <= high:
            yield Violation(
                pointer.join(factor_at, "factorValue"),
                "IMPLAUSIBLE_FACTOR_VALUE",
                f"{holder['factorValue']} {holder.get('factorUnit')} is outside the plausible "
                f"{low}..{high} for electricity (a kg/t or kWh/MWh slip?)",
            )


def _claims(block: dict[str, Any], at: str, keys: set[str]) -> Iterator[Violation]:
    seen: list[tuple[GecRange, int]] = []
    for index, claim in enumerate(array(block.get("gecClaims"))):
        claim_at = pointer.join(at, "gecClaims", index)
        claim_obj = obj(claim)
        found = claim_range(claim_obj)
        if found is None:
            if _serial(claim_obj.get("firstCertificateId")) and _serial(
                claim_obj.get("lastCertificateId")
            ):
                yield Violation(
                    pointer.join(claim_at, "lastCertificateId"),
                    "GEC_RANGE_INVALID",
                    "a range runs forward within one project (same 17-digit project code)",
                )
            continue
        if (mwh := decimals.parse(claim_obj.get("mwh"))) is not None and mwh != found.size:
            yield Violation(
                pointer.join(claim_at, "mwh"),
                "GEC_RANGE_MWH_MISMATCH",
                f"one GEC is 1 MWh: the range holds {found.size} certificates, not {mwh} MWh",
            )
        for other, other_index in seen:
            if int(found.first) <= int(other.last) and int(other.first) <= int(found.last):
                yield Violation(
                    pointer.join(claim_at, "firstCertificateId"),
                    "DUPLICATE_GEC_CERTIFICATE",
                    f"the range overlaps claim {other_index}: a certificate is claimed twice",
                )
        seen.append((found, index))
        site = _site_of(claim_obj)
        if site not in keys:
            yield Violation(
                pointer.join(claim_at, "siteId"), "UNKNOWN_SITE", f"no site {site} is listed"
            )
        tech = claim_obj.get("technology")
        if "technologyFactor" not in claim_obj and str(tech) not in TECHNOLOGY_FACTORS_2023:
            yield Violation(
                pointer.join(claim_at, "technologyFactor"),
                "MISSING_REQUIRED_FIELD",
                f"no published life-cycle factor for {tech} is bundled: state the one used",
            )


def _site_of(claim: Any) -> str:
    site = obj(claim).get("siteId", MAIN)
    return site if isinstance(site, str) else MAIN  # a non-string the schema already refused


def certified_mwh(block: dict[str, Any]) -> dict[str, Decimal]:
    """Certificates (MWh) claimed per supply key."""
    per: dict[str, Decimal] = {}
    for claim in array(block.get("gecClaims")):
        if (found := claim_range(claim)) is not None:
            key = _site_of(claim)
            per[key] = per.get(key, Decimal(0)) + found.size
    return per


def _technology_factor(claim: dict[str, Any]) -> Decimal | None:
    if "technologyFactor" in claim:
        return _factor(claim["technologyFactor"])
    return TECHNOLOGY_FACTORS_2023.get(str(claim.get("technology")))


def computed_results(block: dict[str, Any]) -> tuple[Decimal, Decimal] | None:
    """(location-based, certificate-adjusted) kgCO2e per declared unit; None if inputs are bad."""
    units = decimals.parse(block.get("declaredUnitsProduced"))
    if not units:
        return None
    certified = certified_mwh(block)
    location = adjusted_t = Decimal(0)
    for supply in _supplies(block, ""):
        grid = _factor(supply.holder.get("gridFactor"))
        if grid is None:
            return None
        residual = _factor(supply.holder.get("residualFactor"))
        location += supply.mwh * grid
        uncovered = supply.mwh - certified.get(supply.key, Decimal(0))
        if uncovered < 0:
            return None  # reported as GEC_EXCEEDS_CONSUMPTION
        adjusted_t += uncovered * (grid if residual is None else residual)
    for claim in array(block.get("gecClaims")):
        found, factor = claim_range(claim), _technology_factor(obj(claim))
        if found is None or factor is None:
            return None
        adjusted_t += found.size * factor
    # MWh x kgCO2e/kWh = tCO2e; x 1000 = kgCO2e; per declared unit.
    return location * 1000 / units, adjusted_t * 1000 / units


def _per_unit(block: dict[str, Any], at: str) -> Iterator[Violation]:
    units = decimals.parse(block.get("declaredUnitsProduced"))
    if not units:
        return
    for supply in _supplies(block, at):
        if supply.mwh < 0:
            yield Violation(
                pointer.join(at, "electricityConsumedMWh"),
                "ELECTRICITY_SUM_MISMATCH",
                "the sites consume more than the total electricityConsumedMWh",
            )
            continue
        text = supply.holder.get("electricityPerDeclaredUnitKWh")
        mwh = decimals.parse(supply.holder.get("electricityConsumedMWh"))
        if mwh is not None:
            yield from _mismatch(
                pointer.join(supply.at, "electricityPerDeclaredUnitKWh"),
                "ELECTRICITY_PER_UNIT_MISMATCH",
                text,
                mwh * 1000 / units,
                "electricityPerDeclaredUnitKWh (MWh x 1000 / declared units produced)",
            )


def _coverage(block: dict[str, Any], at: str, supplies: list[_Supply]) -> Iterator[Violation]:
    certified = certified_mwh(block)
    for supply in supplies:
        claimed = certified.get(supply.key, Decimal(0))
        if claimed > supply.mwh >= 0:
            yield Violation(
                pointer.join(at, "gecClaims"),
                "GEC_EXCEEDS_CONSUMPTION",
                f"GEC claims for {supply.key} total {claimed} MWh, more than the "
                f"{supply.mwh} MWh consumed there",
            )


def _residual(block: dict[str, Any], at: str, supplies: list[_Supply]) -> Iterator[Violation]:
    claims = array(block.get("gecClaims"))
    basis = block.get("residualMixBasis")
    if not claims:
        return
    if basis is None:
        yield Violation(
            pointer.join(at, "residualMixBasis"),
            "MISSING_REQUIRED_FIELD",
            "with GEC claims, say which factor the uncovered electricity takes",
        )
        return
    covered = set(certified_mwh(block))
    for supply in (s for s in supplies if s.key in covered):
        grid = obj(supply.holder.get("gridFactor"))
        if basis == "published-residual-mix" and "residualFactor" not in supply.holder:
            yield Violation(
                pointer.join(supply.at, "residualFactor"),
                "MISSING_REQUIRED_FIELD",
                "residualMixBasis published-residual-mix needs the residual factor used",
            )
        elif (
            basis != "published-residual-mix"
            and grid.get("excludesMarketTradedGreenPower") is False
        ):
            yield from _double_counting(basis, pointer.join(supply.at, "gridFactor"))


def _double_counting(basis: Any, grid_at: str) -> Iterator[Violation]:
    at = pointer.join(grid_at, "excludesMarketTradedGreenPower")
    if basis == "grid-average-no-residual-published":
        # GHG Protocol Scope 2 guidance 6.11: without a residual mix the grid average may be used,
        # disclosing that green power sold with certificates is then counted twice.
        yield Violation(
            at,
            "GEC_DOUBLE_COUNTING_RISK",
            "uncovered electricity takes the grid average, which still holds the certified green "
            "power: that power is counted twice (no residual factor is published)",
            Severity.WARNING,
        )
    else:
        yield Violation(
            at,
            "GEC_DOUBLE_COUNTING",
            "the grid factor still includes market-traded green power: state "
            "grid-average-no-residual-published or use a residual factor",
        )


def _results(block: dict[str, Any], at: str, pcf: dict[str, Any]) -> Iterator[Violation]:
    claims = array(block.get("gecClaims"))
    if block.get("headlineBasis") == "certificate-adjusted" and not claims:
        yield Violation(
            pointer.join(at, "headlineBasis"),
            "CERTIFICATE_ADJUSTED_WITHOUT_GEC",
            "a certificate-adjusted headline needs the GEC claims it rests on",
        )
    if "certificateAdjustedGhgEmissions" in block and not claims:
        yield Violation(
            pointer.join(at, "certificateAdjustedGhgEmissions"),
            "CERTIFICATE_ADJUSTED_WITHOUT_GEC",
            "a certificate-adjusted result needs the GEC claims it rests on",
        )
    computed = computed_results(block)
    if computed is None:
        return
    location, adjusted = computed
    yield from _mismatch(
        pointer.join(at, "locationBasedGhgEmissions"),
        "ELECTRICITY_RESULT_MISMATCH",
        block.get("locationBasedGhgEmissions"),
        location,
        "locationBasedGhgEmissions",
    )
    if claims:
        yield from _mismatch(
            pointer.join(at, "certificateAdjustedGhgEmissions"),
            "ELECTRICITY_RESULT_MISMATCH",
            block.get("certificateAdjustedGhgEmissions"),
            adjusted,
            "certificateAdjustedGhgEmissions",
        )
        if adjusted > location:
            yield Violation(
                pointer.join(at, "certificateAdjustedGhgEmissions"),
                "CERTIFICATE_ADJUSTED_ABOVE_LOCATION_BASED",
                f"certificates raised the electricity result ({adjusted:.4f} > {location:.4f})",
            )
    headline = adjusted if block.get("headlineBasis") == "certificate-adjusted" else location
    yield from _within_total(headline, pcf, pointer.join(at, "headlineBasis"))


def _within_total(electricity: Decimal, pcf: dict[str, Any], at: str) -> Iterator[Violation]:
    text = pcf.get("pcfExcludingBiogenicUptake")
    total = decimals.parse(text)
    if total is not None and electricity - total > tolerance([str(text)], total):
        yield Violation(
            at,
            "ELECTRICITY_ABOVE_TOTAL",
            f"electricity alone ({electricity:.4f} kgCO2e on the headline basis) exceeds the "
            f"footprint's pcfExcludingBiogenicUptake {text}",
        )


def electricity_checks(block: dict[str, Any], at: str, pcf: dict[str, Any]) -> Iterator[Violation]:
    """Every arithmetic and consistency check of an electricity block located at `at`."""
    supplies = _supplies(block, at)
    keys = {s.key for s in supplies}
    yield from _plausible(block, at)
    yield from _claims(block, at, keys)
    yield from _per_unit(block, at)
    yield from _coverage(block, at, supplies)
    yield from _residual(block, at, supplies)
    yield from _results(block, at, pcf)


def stage_sum_checks(gbt: dict[str, Any], pcf: dict[str, Any], at: str) -> Iterator[Violation]:
    """Life-cycle stage emissions add up to pcfExcludingBiogenicUptake (GB/T 24067: the CFP is the
    sum over its stages)."""
    stages = [obj(s).get("ghgEmissions") for s in array(gbt.get("lifecycleStageEmissions"))]
    values = [decimals.parse(s) for s in stages]
    total_text = pcf.get("pcfExcludingBiogenicUptake")
    total = decimals.parse(total_text)
    if not stages or total is None or any(v is None for v in values):
        return
    found = sum((v for v in values if v is not None), Decimal(0))
    texts = [str(total_text), *(str(s) for s in stages)]
    if abs(found - total) > tolerance(texts, total):
        yield Violation(
            pointer.join(at, "lifecycleStageEmissions"),
            "STAGE_SUM_MISMATCH",
            f"life-cycle stages add up to {found}, the footprint total is {total_text}",
        )


def cited_factor_ids(block: dict[str, Any]) -> list[str]:
    """Every factorId the block cites (for the node to resolve before checking)."""
    return [
        holder["factorId"]
        for _, holder in _factor_holders(block, "")
        if isinstance(holder.get("factorId"), str)
    ]


def factor_checks(
    block: dict[str, Any], at: str, factors: Mapping[str, Decimal], *, strict: bool = False
) -> Iterator[Violation]:
    """Each cited factorId names a factor in `factors` (id -> value in kgCO2e/kWh = tCO2e/MWh,
    the EmissionFactor datasets the node holds) with the value the footprint states.

    A held factor with another value refuses (FACTOR_VALUE_MISMATCH). An id naming none of
    `factors` is a WARNING unless `strict`: what a node holds is a snapshot, and in a federation
    a footprint may arrive (by submit or sync) before the factor it cites, so refusing it would
    make acceptance depend on arrival order.
    """
    unknown = Severity.ERROR if strict else Severity.WARNING
    for factor_at, holder in _factor_holders(block, at):
        factor_id = holder.get("factorId")
        if not isinstance(factor_id, str):
            continue
        if factor_id not in factors:
            yield Violation(
                pointer.join(factor_at, "factorId"),
                "UNKNOWN_FACTOR",
                f"no EmissionFactor {factor_id} is held here",
                unknown,
            )
        elif (stated := _factor(holder)) is not None and stated != factors[factor_id]:
            yield Violation(
                pointer.join(factor_at, "factorValue"),
                "FACTOR_VALUE_MISMATCH",
                f"factor {factor_id} is {factors[factor_id]}, the footprint states {stated}",
            )


#: An EmissionFactor's unit, numerator and denominator, as multipliers to kg per kWh.
_KG = {"kgCO2": Decimal(1), "kgCO2e": Decimal(1), "tCO2": Decimal(1000), "tCO2e": Decimal(1000)}
_PER_KWH = {"kWh": Decimal(1), "MWh": Decimal("0.001")}


def held_factor_value(subject: dict[str, Any]) -> Decimal | None:
    """The value, in the kgCO2e/kWh (= tCO2e/MWh) footprints state, of an EmissionFactor
    dataset `subject`; None when it is not an electricity factor in a known unit."""
    parts = factor_units.split(subject.get("factorUnit"))
    value = decimals.parse(subject.get("factorValue"))
    if subject.get("activity") != "electricity" or parts is None or value is None:
        return None
    mass, amount = parts
    if amount not in _PER_KWH:
        return None
    return (value * _KG[mass] * _PER_KWH[amount]).normalize()
