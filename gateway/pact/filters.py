"""The v3 ListFootprints filters (pact-v3.md §2.3): OR within a parameter, AND across them.

Ids and classifications match with the search service's criteria (gateway.search.query: exact,
or an HS/CN code prefix), compared case-insensitively as the spec asks. Validity without
`validityPeriodStart/End` is computed as §1.1 says: from `referencePeriodEnd`, for 3 years.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from gateway.pact.errors import BadRequestError, NotImplementedFeatureError
from gateway.search.query import IdCriterion, InvalidSearchQueryError, id_criterion
from schemas.datetimes import parse_date_time

LIST_PARAMS: Final = ("productId", "companyId", "geography", "classification", "status")
DATE_PARAMS: Final = ("validOn", "validAfter", "validBefore")
STATUSES: Final = frozenset({"Active", "Deprecated"})
MAX_VALUES: Final = 50
_THREE_YEARS: Final = timedelta(days=3 * 365 + 1)


@dataclass(frozen=True)
class PactFilters:
    """The parsed filters; an empty tuple or None matches everything."""

    product_ids: tuple[IdCriterion, ...] = ()
    company_ids: frozenset[str] = frozenset()
    geographies: frozenset[str] = frozenset()
    classifications: tuple[IdCriterion, ...] = ()
    statuses: frozenset[str] = frozenset()
    valid_on: datetime | None = None
    valid_after: datetime | None = None
    valid_before: datetime | None = None

    def matches(self, footprint: Mapping[str, Any]) -> bool:
        """True when the PACT v3 `footprint` meets every parameter given."""
        pcf = footprint.get("pcf") or {}
        return (
            _any_id(self.product_ids, footprint.get("productIds"))
            and _any_id(self.classifications, footprint.get("productClassifications"))
            and (
                not self.company_ids
                or bool(self.company_ids & _folded(footprint.get("companyIds")))
            )
            and (not self.geographies or bool(self.geographies & _geography(pcf)))
            and (not self.statuses or footprint.get("status") in self.statuses)
            and self._valid(footprint, pcf)
        )

    def _valid(self, footprint: Mapping[str, Any], pcf: Mapping[str, Any]) -> bool:
        if self.valid_on is None and self.valid_after is None and self.valid_before is None:
            return True
        start, end = validity(footprint, pcf)
        if start is None or end is None:
            return False
        return (
            (self.valid_on is None or start <= self.valid_on <= end)
            and (self.valid_after is None or start > self.valid_after)
            and (self.valid_before is None or end < self.valid_before)
        )


def validity(
    footprint: Mapping[str, Any], pcf: Mapping[str, Any]
) -> tuple[datetime | None, datetime | None]:
    """(start, end) of the validity period, defaulted from the reference period (§1.1)."""
    reference_end = parse_date_time(pcf.get("referencePeriodEnd"))
    start = parse_date_time(footprint.get("validityPeriodStart")) or reference_end
    end = parse_date_time(footprint.get("validityPeriodEnd"))
    if end is None and reference_end is not None:
        end = reference_end + _THREE_YEARS
    return start, end


def parse_filters(params: Sequence[tuple[str, str]]) -> PactFilters:
    """The filters of a query string (every key, repeated keys kept); BadRequestError on bad input,
    NotImplemented for the deprecated OData `$filter`."""
    values: dict[str, list[str]] = {}
    for key, value in params:
        if key == "$filter":
            raise NotImplementedFeatureError(
                "the OData $filter is not supported; use the v3 filters"
            )
        if key in LIST_PARAMS or key in DATE_PARAMS:
            values.setdefault(key, []).append(value)
        elif key != "limit" and not key.startswith("x-"):
            raise BadRequestError(f"unknown query parameter {key[:60]!r}")
    for key, given in values.items():
        if len(given) > MAX_VALUES:
            raise BadRequestError(f"{key}: at most {MAX_VALUES} values")
        if key in DATE_PARAMS and len(given) > 1:
            raise BadRequestError(f"{key} takes one date-time")
    statuses = frozenset(values.get("status", []))
    if not statuses <= STATUSES:
        raise BadRequestError("status is Active or Deprecated")
    return PactFilters(
        product_ids=_criteria(values.get("productId", []), "productId"),
        company_ids=frozenset(v.casefold() for v in values.get("companyId", [])),
        geographies=frozenset(v.casefold() for v in values.get("geography", [])),
        classifications=_criteria(values.get("classification", []), "classification"),
        statuses=statuses,
        valid_on=_date(values, "validOn"),
        valid_after=_date(values, "validAfter"),
        valid_before=_date(values, "validBefore"),
    )


def _criteria(values: list[str], name: str) -> tuple[IdCriterion, ...]:
    out = []
    for value in values:
        try:
            criterion = id_criterion(value.casefold(), name)
        except InvalidSearchQueryError as exc:
            raise BadRequestError(exc.message) from None
        if criterion is None:
            raise BadRequestError(f"{name} is empty")
        out.append(criterion)
    return tuple(out)


def _date(values: dict[str, list[str]], name: str) -> datetime | None:
    given = values.get(name)
    if not given:
        return None
    moment = parse_date_time(given[0])
    if moment is None:
        raise BadRequestError(f"{name} is not an ISO 8601 date-time with a time zone")
    return moment


def _folded(values: Any) -> frozenset[str]:
    return (
        frozenset(v.casefold() for v in values if isinstance(v, str))
        if isinstance(values, list)
        else frozenset()
    )


def _any_id(criteria: tuple[IdCriterion, ...], values: Any) -> bool:
    if not criteria:
        return True
    folded = tuple(_folded(values))
    return any(c.matches(folded) for c in criteria)


def _geography(pcf: Mapping[str, Any]) -> frozenset[str]:
    names = ("geographyCountry", "geographyCountrySubdivision", "geographyRegionOrSubregion")
    return frozenset(str(pcf[n]).casefold() for n in names if isinstance(pcf.get(n), str))
