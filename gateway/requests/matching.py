"""Does a fulfilment answer the request? Pure: the stored records and parsed documents in,
a refusal out. The footprint must be an active product footprint of the owner that matches
every criterion given, and its issuer's usage policy must admit the requester (issue 12's
policy, as a client of the requester's organization: the same decision sync applies on the
way there, so nothing is promised that sync would not deliver)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gateway.domain import DatasetKind, DatasetStatus
from gateway.federation.policy import Audience, Reader
from gateway.requests.errors import FootprintMismatchError, FootprintNotShareableError
from gateway.requests.machine import Criteria
from gateway.store.model import StoredDataset
from schemas.datetimes import parse_date_time


def check_fulfilment(
    record: StoredDataset,
    document: Any,
    criteria: Criteria,
    *,
    owner: str,
    requester: str,
    now: datetime,
) -> None:
    """Refuse `record` as an answer unless it matches and may be shared with the requester."""
    name = record.name
    if record.kind is not DatasetKind.PRODUCT_FOOTPRINT or record.issuer_org != owner:
        raise FootprintMismatchError(f"{name} is not a product footprint issued by {owner}")
    if record.status is not DatasetStatus.ACTIVE:
        raise FootprintMismatchError(f"{name} is {record.status}, not active")
    subject = document.get("credentialSubject", {}) if isinstance(document, dict) else {}
    problem = _mismatch(record, subject if isinstance(subject, dict) else {}, criteria)
    if problem:
        raise FootprintMismatchError(f"{name} does not match the request: {problem}")
    reader = Reader(requester, None, is_origin=False)
    if not Audience.of(document, origin_org=record.issuer_org).admits(reader, now):
        raise FootprintNotShareableError(
            f"the usage policy of {name} does not admit the requester {requester}"
        )


def _mismatch(record: StoredDataset, subject: dict[str, Any], criteria: Criteria) -> str:
    """What does not match ("" when everything does); matching is case-insensitive (PACT v3)."""
    if criteria.product_id.lower() not in {p.lower() for p in record.product_ids}:
        return f"product {criteria.product_id} is not among its productIds"
    companies = subject.get("companyIds", [])
    if criteria.company_id and criteria.company_id.lower() not in {
        str(c).lower() for c in companies if isinstance(c, str)
    }:
        return f"company {criteria.company_id} is not among its companyIds"
    geography = criteria.geography.upper()
    if geography and not record.geography.upper().startswith(geography):
        return f"geography {record.geography} is not in {criteria.geography}"
    return _period_mismatch(subject.get("pcf"), criteria)


def _period_mismatch(pcf: Any, criteria: Criteria) -> str:
    """The footprint's reference period must overlap the requested one."""
    if not (criteria.period_start or criteria.period_end):
        return ""
    pcf = pcf if isinstance(pcf, dict) else {}
    start, end = _moment(pcf.get("referencePeriodStart")), _moment(pcf.get("referencePeriodEnd"))
    asked_start, asked_end = _moment(criteria.period_start), _moment(criteria.period_end)
    if start is None or end is None:
        return "it has no reference period"
    if (asked_end is not None and start >= asked_end) or (
        asked_start is not None and end <= asked_start
    ):
        return "its reference period does not overlap the requested one"
    return ""


def _moment(text: Any) -> datetime | None:
    """A date-time, or a date read as its first instant in UTC."""
    if not isinstance(text, str) or not text:
        return None
    return parse_date_time(text if "T" in text else f"{text}T00:00:00Z")
