"""Search queries: HS/CN prefix matching, bounds, and matching a record and its document."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from gateway.domain import DatasetKind, NodeRole, ReadScope
from gateway.federation.policy import Reader
from gateway.search.audience import Requester
from gateway.search.merge import DropReason, PeerAnswer, PeerReason, merge
from gateway.search.query import (
    MAX_PAGE_SIZE,
    MAX_TEXT_CHARS,
    InvalidSearchQueryError,
    id_criterion,
    page_size,
    parse_query,
)
from gateway.store.model import StoredDataset

HS = "urn:pact:wcoomd.org:hs-code:"
NOW = datetime(2027, 1, 1, tzinfo=UTC)


def record(*product_ids: str, org: str = "acme", body: bytes = b"{}") -> StoredDataset:
    return StoredDataset.create(
        credential=body,
        kind=DatasetKind.PRODUCT_FOOTPRINT,
        issuer="did:key:z",
        issuer_org=org,
        credential_id="urn:uuid:1",
        received_at=NOW,
        product_ids=product_ids,
        geography="CN",
    )


@pytest.mark.parametrize(
    ("query", "stored", "found"),
    [
        ("8507", f"{HS}8507600090", True),
        ("hs-code:8507", f"{HS}8507600090", True),
        (f"{HS}8507", f"{HS}8507600090", True),
        ("85076", f"{HS}8506101100", False),
        ("8507", "urn:pact:example:cn-code:85076000", True),
        ("cn-code:850760", f"{HS}8507600090", True),
        ("8507", f"{HS}18507", False),
        ("8507", "urn:gtin:85070000", False),
        ("urn:gtin:1", "urn:gtin:1", True),
        ("urn:gtin:1", "urn:gtin:12", False),
        ("8", f"{HS}8507", False),  # one digit is no HS code: exact only
    ],
)
def test_hs_and_cn_codes_match_by_prefix_other_ids_exactly(
    query: str, stored: str, found: bool
) -> None:
    criterion = id_criterion(query, "product_id")
    assert criterion is not None
    assert criterion.matches((stored,)) is found


def test_text_is_bounded_case_folded_and_matched_in_the_product_name() -> None:
    with pytest.raises(InvalidSearchQueryError) as too_long:
        parse_query(text="x" * (MAX_TEXT_CHARS + 1))
    assert too_long.value.field == "product_name"
    with pytest.raises(InvalidSearchQueryError):
        parse_query(company_id="urn:a\nb")
    query = parse_query(text="  Cell MOD ")
    document: dict[str, Any] = {"credentialSubject": {"productNameCompany": "LFP cell module"}}
    assert query.matches(record(), document)
    assert not query.matches(record(), {"credentialSubject": {"productNameCompany": "pack"}})
    assert not query.matches(record(), {"credentialSubject": {"productNameCompany": 7}})


def test_company_geography_kind_and_validity_criteria() -> None:
    document = {"credentialSubject": {"companyIds": ["urn:c:1"]}}
    assert parse_query(company_id="urn:c:1").matches(record(), document)
    assert not parse_query(company_id="urn:c:2").matches(record(), document)
    assert parse_query(geography="CN").matches(record(), {})
    assert not parse_query(geography="DE").matches(record(), {})
    assert not parse_query(kind=DatasetKind.ATTESTATION).matches(record(), {})
    valid = replace(record(), valid_until=NOW)
    assert not parse_query(valid_at=NOW).matches(valid, {})


def test_page_size_is_capped_and_negative_refused() -> None:
    assert page_size(0) > 0
    assert page_size(10**9) == MAX_PAGE_SIZE
    with pytest.raises(InvalidSearchQueryError):
        page_size(-1)


def test_merge_keeps_each_digest_once_with_every_origin_in_order() -> None:
    a, b = record(body=b'{"a":1}'), record(body=b'{"b":1}')
    copy_of_a = record(body=b'{"a":1}')
    found = merge([("here", [a]), ("p1", [copy_of_a, b]), ("p2", [a])])
    assert [(f.dataset.digest, f.origins) for f in found] == [
        (a.digest, ("here", "p1", "p2")),
        (b.digest, ("p1",)),
    ]
    assert found[0].dataset is a  # this node's own record is kept


def test_a_peer_answer_with_drops_says_why() -> None:
    answer = PeerAnswer("o", kept=[record()], dropped=[DropReason.DIGEST_MISMATCH])
    outcome = answer.outcome("p")
    assert (outcome.reason, outcome.results, outcome.dropped) == (
        PeerReason.DROPPED_RESULTS,
        1,
        (DropReason.DIGEST_MISMATCH,),
    )
    assert PeerAnswer("o").outcome("p").reason is PeerReason.ANSWERED


def test_on_behalf_of_adds_a_reader_and_so_only_narrows() -> None:
    shared_national = {"credentialSubject": {"usagePolicy": {"shareWith": ["national"]}}}
    mine = record(org="acme")
    alone = Requester.peer("nat", NodeRole.NATIONAL, "")
    narrowed = Requester.peer("nat", NodeRole.NATIONAL, "customs")
    as_issuer = Requester.peer("reg", NodeRole.REGISTRY, "acme")
    assert alone.admits(mine, shared_national, submitted_here=True, now=NOW)
    assert not narrowed.admits(mine, shared_national, submitted_here=True, now=NOW)
    # Naming the issuer does not admit a node the policy leaves out.
    assert not as_issuer.admits(mine, shared_national, submitted_here=True, now=NOW)
    assert alone.fingerprint_part() != narrowed.fingerprint_part()


def test_a_client_is_origin_only_for_datasets_submitted_at_its_node() -> None:
    no_policy: dict[str, Any] = {"credentialSubject": {}}
    client = Requester(ReadScope(frozenset(DatasetKind)), (Reader("buyer", None, False),), True)
    assert client.admits(record(), no_policy, submitted_here=True, now=NOW)
    assert not client.admits(record(), no_policy, submitted_here=False, now=NOW)
    scoped = Requester(ReadScope(frozenset()), client.readers, True)
    assert not scoped.admits(record(), no_policy, submitted_here=True, now=NOW)
