"""What the gateway indexes about a dataset for ListDatasets filters (PACT v3 list criteria).

Read from a document that already passed `validate`; anything missing or malformed is simply
left out, so this never raises for a dict input.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from schemas.datetimes import parse_date_time
from schemas.electricity import claim_range
from schemas.validation import detect_kind, is_credential

_SHA256 = "sha-256:"


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(item for item in value if isinstance(item, str)) if isinstance(value, list) else ()


@dataclass(frozen=True)
class Facets:
    """What is indexed about one dataset (all optional: a missing or malformed field is absent).

    `geography` lists region, country and subdivision values (empty = global); `valid_from` and
    `valid_until` are aware datetimes (for footprints PACT's computed default applies);
    `supersedes` holds a footprint's precedingPfIds, a factor's or rule's supersedes, or a status
    update's target; `gec_ranges` (first, last serial, inclusive;
    1 GEC = 1 MWh) feed double-claim detection (the GEC ledger); `attested_digest` is an
    attestation's binding, the hex SHA-256 of the exact credential bytes it attests.
    """

    kind: str | None = None
    dataset_id: str | None = None
    status: str | None = None
    product_ids: tuple[str, ...] = ()
    company_ids: tuple[str, ...] = ()
    classifications: tuple[str, ...] = ()
    geography: tuple[str, ...] = ()
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    supersedes: tuple[str, ...] = ()
    accounting_rule: str | None = None
    gec_ranges: tuple[tuple[str, str], ...] = ()
    issuer: str | None = None
    attested_digest: str | None = None

    @property
    def most_specific_geography(self) -> str:
        """The most specific geography named ("" = global; PACT allows at most one)."""
        return self.geography[-1] if self.geography else ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: lists for tuples, RFC 3339 UTC text for times."""
        return {
            f.name: _iso(v)
            if isinstance(v, datetime)
            else _listed(v)
            if isinstance(v, tuple)
            else v
            for f in fields(self)
            for v in (getattr(self, f.name),)
        }


def _listed(value: tuple[Any, ...]) -> list[Any]:
    return [list(item) if isinstance(item, tuple) else item for item in value]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _plus_three_years(moment: datetime) -> datetime:
    try:
        return moment.replace(year=moment.year + 3)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + 3, day=28)


def _footprint_validity(subject: dict[str, Any]) -> tuple[datetime | None, datetime | None]:
    # PACT §1.1: without explicit validity a PCF is valid for 3 years from referencePeriodEnd.
    pcf = _obj(subject.get("pcf"))
    reference_end = parse_date_time(pcf.get("referencePeriodEnd"))
    start = parse_date_time(subject.get("validityPeriodStart")) or reference_end
    end = parse_date_time(subject.get("validityPeriodEnd"))
    if end is None and reference_end is not None:
        end = _plus_three_years(reference_end)
    return start, end


def index_facets(document: Any) -> Facets:
    """Facets of a credential (or bare dataset) for indexing.

    See `Facets` for what each field holds.
    """
    credential = _obj(document) if is_credential(document) else {}
    subject = _obj(credential.get("credentialSubject") if credential else document)
    kind = detect_kind(document)
    pcf = _obj(subject.get("pcf"))
    electricity = _obj(subject.get("electricity"))
    geography = [
        value
        for key in ("geographyRegionOrSubregion", "geographyCountry", "geographyCountrySubdivision")
        if isinstance(value := pcf.get(key), str)
    ]
    if kind == "EmissionFactor" and isinstance(subject.get("region"), str):
        geography = [subject["region"]]
    if kind == "ProductFootprint":
        start, end = _footprint_validity(subject)
        supersedes = _strings(subject.get("precedingPfIds"))
    elif kind == "StatusUpdate":
        start, end = parse_date_time(subject.get("effectiveAt")), None
        target = subject.get("targetDatasetId")
        supersedes = (target,) if isinstance(target, str) else ()
    else:
        start = parse_date_time(subject.get("validityPeriodStart"))
        end = parse_date_time(subject.get("validityPeriodEnd"))
        supersedes = _strings(subject.get("supersedes"))
    if start is None:
        start = parse_date_time(credential.get("validFrom"))
    if end is None:
        end = parse_date_time(credential.get("validUntil"))
    issuer = credential.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    claims = electricity.get("gecClaims")
    claims = claims if isinstance(claims, list) else []
    return Facets(
        kind=kind,
        dataset_id=subject.get("id") if isinstance(subject.get("id"), str) else None,
        status=subject.get("status") if isinstance(subject.get("status"), str) else None,
        product_ids=_strings(subject.get("productIds")),
        company_ids=_strings(subject.get("companyIds")),
        classifications=_strings(subject.get("productClassifications")),
        geography=tuple(geography),
        valid_from=start,
        valid_until=end,
        supersedes=tuple(supersedes),
        accounting_rule=subject.get("accountingRuleId")
        if isinstance(subject.get("accountingRuleId"), str)
        else None,
        gec_ranges=tuple(
            (found.first, found.last) for claim in claims if (found := claim_range(claim))
        ),
        issuer=issuer if isinstance(issuer, str) else None,
        attested_digest=_attested_digest(subject) if kind == "Attestation" else None,
    )


def _attested_digest(subject: dict[str, Any]) -> str | None:
    """The one binding rule: an attestation names the SHA-256 of the exact bytes it attests."""
    digest = subject.get("attestedDatasetDigest")
    if isinstance(digest, str) and digest.startswith(_SHA256):
        return digest.removeprefix(_SHA256)
    return None
