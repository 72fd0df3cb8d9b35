"""A search query: parsed and bounded once, then matched against a dataset. Pure: no I/O.

HS/CN codes match by prefix (an HS heading names every product below it): `8507`,
`hs-code:8507` or `urn:pact:wcoomd.org:hs-code:8507` find `...hs-code:8507600090` and
`...cn-code:85076000`, never `...hs-code:8506...`. The Combined Nomenclature extends the HS by
two digits (Council Regulation (EEC) No 2658/87, Art. 3), so an HS prefix finds CN-coded
products and a CN prefix finds HS national extensions. Any other id matches exactly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from gateway.domain import DatasetKind
from gateway.errors import InvalidRequestError
from gateway.store.model import StoredDataset
from gateway.trust.model import ORG_NAME_RE
from schemas.facets import index_facets

#: Longest product-name text searched for: a name fragment, not a document.
MAX_TEXT_CHARS: Final = 100
#: Longest id or code accepted in a criterion (URNs are short; anything longer is no id).
MAX_ID_CHARS: Final = 512
#: Results per page at most: each one carries its credential bytes.
MAX_PAGE_SIZE: Final = 100
DEFAULT_PAGE_SIZE: Final = 20
CODE_SCHEMES: Final = ("hs-code", "cn-code")
# HS chapters have 2 digits, national tariff lines up to 10 (12 leaves room, never more).
_CODE_RE: Final = re.compile(r"(?:(?:.*:)?(?:hs|cn)-code:)?(?P<digits>[0-9]{2,12})")
_STORED_CODE_RE: Final = re.compile(r"(?:^|:)(?:hs|cn)-code:(?P<digits>[0-9]+)$")


class InvalidSearchQueryError(InvalidRequestError):
    """A search criterion that is too long, malformed or not allowed for this caller."""

    reason = "SEARCH_QUERY_INVALID"


@dataclass(frozen=True)
class IdCriterion:
    """An id to match: `exact` always; `code_prefix` (digits) when it is an HS/CN code."""

    exact: str
    code_prefix: str | None

    def matches(self, values: tuple[str, ...]) -> bool:
        """True when one of `values` is the id, or an HS/CN code under the prefix."""
        if self.exact in values:
            return True
        if self.code_prefix is None:
            return False
        return any(
            (found := _STORED_CODE_RE.search(v)) is not None
            and found["digits"].startswith(self.code_prefix)
            for v in values
        )


@dataclass(frozen=True)
class SearchQuery:
    """Every criterion set must match (AND); an unset one matches everything."""

    product_id: IdCriterion | None = None
    company_id: str | None = None
    classification: IdCriterion | None = None
    geography: str | None = None
    kind: DatasetKind | None = None
    valid_at: datetime | None = None
    text: str | None = None

    def fingerprint_parts(self) -> list[str]:
        """The query as text, bound into page tokens (AIP-158: same arguments)."""
        return [
            self.product_id.exact if self.product_id else "",
            self.company_id or "",
            self.classification.exact if self.classification else "",
            self.geography or "",
            self.kind or "",
            self.valid_at.isoformat() if self.valid_at else "",
            self.text or "",
        ]

    def matches(self, record: StoredDataset, document: Mapping[str, Any]) -> bool:
        """True when the dataset (its record and parsed credential) meets every criterion."""
        return (
            (self.product_id is None or self.product_id.matches(record.product_ids))
            and (
                self.classification is None
                or self.classification.matches(record.classification_ids)
            )
            and (self.geography is None or record.geography == self.geography)
            and (self.kind is None or record.kind is self.kind)
            and (self.valid_at is None or _valid_at(record, self.valid_at))
            and (self.company_id is None or self.company_id in _company_ids(document))
            and (self.text is None or self.text in product_name(document).casefold())
        )


def id_criterion(value: str, field: str) -> IdCriterion | None:
    """A product id or classification criterion ("" = unset)."""
    value = _bounded(value, field, MAX_ID_CHARS)
    if not value:
        return None
    code = _CODE_RE.fullmatch(value)
    return IdCriterion(value, code["digits"] if code else None)


def parse_query(  # noqa: PLR0917 - one argument per criterion
    product_id: str = "",
    company_id: str = "",
    classification: str = "",
    geography: str = "",
    kind: DatasetKind | None = None,
    valid_at: datetime | None = None,
    text: str = "",
) -> SearchQuery:
    """The query, or InvalidSearchQueryError naming the field (nothing is searched)."""
    name = _bounded(text, "product_name", MAX_TEXT_CHARS).strip()
    return SearchQuery(
        product_id=id_criterion(product_id, "product_id"),
        company_id=_bounded(company_id, "company_id", MAX_ID_CHARS) or None,
        classification=id_criterion(classification, "classification"),
        geography=_bounded(geography, "geography", MAX_ID_CHARS) or None,
        kind=kind,
        valid_at=valid_at,
        text=name.casefold() or None,
    )


def page_size(requested: int) -> int:
    """AIP-158 page size under the search cap: 0 = default, negative refused."""
    if requested < 0:
        raise InvalidSearchQueryError("page_size must be 0 or more", field="page_size")
    return DEFAULT_PAGE_SIZE if requested == 0 else min(requested, MAX_PAGE_SIZE)


def product_name(document: Mapping[str, Any]) -> str:
    """The product name of a credential (PACT `productNameCompany`), "" when it has none."""
    subject = document.get("credentialSubject", document)
    name = subject.get("productNameCompany") if isinstance(subject, dict) else None
    return name if isinstance(name, str) else ""


def _company_ids(document: Mapping[str, Any]) -> tuple[str, ...]:
    return index_facets(dict(document)).company_ids


def _valid_at(record: StoredDataset, at: datetime) -> bool:
    # The store's rule (DatasetFilter.valid_at): [valid_from, valid_until), open ends match.
    return (record.valid_from is None or record.valid_from <= at) and (
        record.valid_until is None or at < record.valid_until
    )


def _bounded(value: str, field: str, limit: int) -> str:
    if len(value) > limit:
        raise InvalidSearchQueryError(f"{field} is longer than {limit} characters", field=field)
    if any(ord(c) < 0x20 for c in value):
        raise InvalidSearchQueryError(f"{field} holds control characters", field=field)
    return value


def check_org(name: str) -> str:
    """An organization name for `on_behalf_of`, or InvalidSearchQueryError."""
    if ORG_NAME_RE.fullmatch(name) is None:
        raise InvalidSearchQueryError(
            "on_behalf_of is not an organization name", field="on_behalf_of"
        )
    return name
