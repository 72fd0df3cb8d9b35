"""The store side of SearchDatasets: a search query as SQL over the indexed columns and facets.

Product ids and classifications use the facet index (`cfx_dataset_facets (facet, value)`); an
HS/CN code prefix becomes LIKE patterns on it, anchored on the scheme (`hs-code:8507%`,
`%:hs-code:8507%`), so `8507` never matches `...:hs-code:18507`. Company ids and the product
name are not indexed: the caller checks them on each candidate (gateway.search.query), and
reads a bounded number of candidates per page. Both dialects: LIKE with `%` only, digits only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gateway.domain import DatasetStatus, ReadScope
from gateway.search.query import CODE_SCHEMES, IdCriterion, SearchQuery
from gateway.store.base import Store
from gateway.store.model import DatasetFilter, StoredDataset
from gateway.store.sql import SQLStore

# The facet names gateway.store.sql writes product ids and classifications under.
PRODUCT_FACET = "product"
CLASSIFICATION_FACET = "classification"


def id_clause(facet: str, criterion: IdCriterion) -> tuple[str, list[Any]]:
    """SQL (and its parameters) for one id criterion over the facet index."""
    tests, params = ["f.value = ?"], [criterion.exact]
    if criterion.code_prefix is not None:
        for scheme in CODE_SCHEMES:
            tests += ["f.value LIKE ?", "f.value LIKE ?"]
            params += [f"{scheme}:{criterion.code_prefix}%", f"%:{scheme}:{criterion.code_prefix}%"]
    tested = " OR ".join(tests)
    clause = f"EXISTS (SELECT 1 FROM cfx_dataset_facets f WHERE f.name = d.name AND f.facet = ? AND ({tested}))"  # noqa: S608, E501 -- fixed tests, values are bound
    return clause, [facet, *params]


def candidates(
    store: Store, query: SearchQuery, scope: ReadScope | None, after: int, limit: int
) -> list[StoredDataset]:
    """Up to `limit` datasets after log index `after` that meet the indexed criteria within
    `scope` (None: every kind), withdrawn ones left out; in log order."""
    if not isinstance(store, SQLStore):
        raise TypeError("search needs an SQL store")
    filters = DatasetFilter(
        kind=query.kind, geography=query.geography, valid_at=query.valid_at, scope=scope
    )
    extra: list[tuple[str, Sequence[Any]]] = [("d.status <> ?", [DatasetStatus.WITHDRAWN.value])]
    if query.product_id is not None:
        extra.append(id_clause(PRODUCT_FACET, query.product_id))
    if query.classification is not None:
        extra.append(id_clause(CLASSIFICATION_FACET, query.classification))
    return store.search_datasets(filters, extra, after, limit)
