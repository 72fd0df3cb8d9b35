"""Usage policy decisions (issue 12): who may receive a dataset, from the issuer's signed policy.

One table of (policy, reader, time) -> admitted, then the edges: expiry at its very instant,
offsets, malformed policies that must never widen the audience, and properties over arbitrary
JSON (admits is total, agrees with the schema on what a well-formed policy is, and never admits
more later than earlier).
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import grpc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import schemas
from gateway.federation.errors import FederationError, OutsideUsagePolicyError
from gateway.federation.policy import MAX_SHARE_WITH, Audience, Reader, is_audience_item
from gateway.node import NodeRole
from gateway.rpc import status
from schemas import resources
from schemas.translate import dataset_to_pact_v3, pact_v3_to_dataset
from tests.helpers.schemas_data import load

NOW = datetime(2026, 6, 1, tzinfo=UTC)
ISSUER = "battery-maker"  # the organization that signed the dataset

# The issuing node is Sichuan's provincial node; every other reader is elsewhere.
ORIGIN_NODE = Reader("sichuan", NodeRole.PROVINCIAL, is_origin=True)
ORIGIN_CLIENT = Reader("other-co", None, is_origin=True)  # any client reading at the issuing node
OTHER_PROVINCE = Reader("yunnan", NodeRole.PROVINCIAL, is_origin=False)
NATIONAL = Reader("national-repo", NodeRole.NATIONAL, is_origin=False)
NATIONAL_CLIENT = Reader("national-repo", None, is_origin=False)
REGISTRY = Reader("eu-registry", NodeRole.REGISTRY, is_origin=False)
BUYER_CLIENT = Reader("volta-eu", None, is_origin=False)  # e.g. the buyer's PACT client
BUYER_NODE = Reader("volta-eu", NodeRole.REGISTRY, is_origin=False)
STRANGER = Reader("other-co", None, is_origin=False)
ISSUER_ELSEWHERE = Reader(ISSUER, None, is_origin=False)  # the issuer reading at another node
READERS = [ORIGIN_NODE, ORIGIN_CLIENT, OTHER_PROVINCE, NATIONAL, NATIONAL_CLIENT, REGISTRY,
           BUYER_CLIENT, BUYER_NODE, STRANGER, ISSUER_ELSEWHERE]  # fmt: skip

ABSENT = object()
EXPIRES = "2026-06-01T08:00:00+08:00"  # == NOW, written in Beijing time
BEFORE, AFTER = NOW - timedelta(microseconds=1), NOW + timedelta(days=1)


def _subject(policy: Any) -> dict[str, Any]:
    subject: dict[str, Any] = {"type": "ProductFootprint"}
    if policy is not ABSENT:
        subject["usagePolicy"] = policy
    return subject


def _audience(policy: Any) -> Audience:
    return Audience.of({"credentialSubject": _subject(policy)}, origin_org=ISSUER)


def _case(policy: Any, reader: Reader, now: datetime, expected: bool, why: str) -> Any:
    return pytest.param(policy, reader, now, expected, id=why)


CASES = [
    # No policy: the issuing node and the national nodes (issue 12's default).
    _case(ABSENT, ORIGIN_NODE, NOW, True, "absent-origin-node"),
    _case(ABSENT, ORIGIN_CLIENT, NOW, True, "absent-origin-client"),
    _case(ABSENT, NATIONAL, NOW, True, "absent-national-node"),
    _case(ABSENT, NATIONAL_CLIENT, NOW, False, "absent-not-a-national-nodes-client"),
    _case(ABSENT, REGISTRY, NOW, False, "absent-not-a-registry"),
    _case(ABSENT, OTHER_PROVINCE, NOW, False, "absent-not-another-province"),
    _case(ABSENT, BUYER_CLIENT, NOW, False, "absent-not-a-buyer"),
    _case(ABSENT, ISSUER_ELSEWHERE, NOW, True, "absent-issuer-reads-its-own-data"),
    # public: everyone.
    _case({"shareWith": ["public"]}, REGISTRY, NOW, True, "public-registry"),
    _case({"shareWith": ["public"]}, OTHER_PROVINCE, NOW, True, "public-other-province"),
    _case({"shareWith": ["public"]}, STRANGER, NOW, True, "public-any-client"),
    # A node role: the nodes of that role, not their clients, and not the default national.
    _case({"shareWith": ["registry"]}, REGISTRY, NOW, True, "role-registry-node"),
    _case({"shareWith": ["registry"]}, BUYER_NODE, NOW, True, "role-any-registry-node"),
    _case({"shareWith": ["registry"]}, BUYER_CLIENT, NOW, False, "role-not-a-client"),
    _case({"shareWith": ["registry"]}, NATIONAL, NOW, False, "role-replaces-the-default"),
    _case({"shareWith": ["registry"]}, ORIGIN_NODE, NOW, True, "role-origin-always"),
    _case({"shareWith": ["provincial"]}, OTHER_PROVINCE, NOW, True, "role-provincial"),
    _case({"shareWith": ["national"]}, NATIONAL_CLIENT, NOW, False, "role-national-client"),
    # org:<name>: that organization's nodes and clients, nobody else.
    _case({"shareWith": ["org:volta-eu"]}, BUYER_CLIENT, NOW, True, "org-client"),
    _case({"shareWith": ["org:volta-eu"]}, BUYER_NODE, NOW, True, "org-node"),
    _case({"shareWith": ["org:volta-eu"]}, REGISTRY, NOW, False, "org-not-other-registry"),
    _case({"shareWith": ["org:volta-eu"]}, STRANGER, NOW, False, "org-not-a-stranger"),
    _case({"shareWith": ["org:volta-eu"]}, NATIONAL, NOW, False, "org-not-national"),
    _case({"shareWith": ["org:volta-eu"]}, ISSUER_ELSEWHERE, NOW, True, "org-issuer-too"),
    _case({"shareWith": ["org:volta"]}, BUYER_CLIENT, NOW, False, "org-no-prefix-match"),
    # Expiry: from the instant itself on, only the issuing node and its own clients.
    _case({"shareWith": ["registry"], "expires": EXPIRES}, REGISTRY, BEFORE, True, "exp-before"),
    _case({"shareWith": ["registry"], "expires": EXPIRES}, REGISTRY, NOW, False, "exp-instant"),
    _case({"shareWith": ["public"], "expires": EXPIRES}, NATIONAL, AFTER, False, "exp-node"),
    _case({"shareWith": ["public"], "expires": EXPIRES}, STRANGER, AFTER, False, "exp-client"),
    _case({"shareWith": ["public"], "expires": EXPIRES}, ISSUER_ELSEWHERE, AFTER, False,
          "exp-issuer-elsewhere"),
    _case({"shareWith": ["public"], "expires": EXPIRES}, ORIGIN_NODE, AFTER, True, "exp-origin"),
    _case({"shareWith": ["public"], "expires": EXPIRES}, ORIGIN_CLIENT, AFTER, True,
          "exp-origin-client"),
    _case({"shareWith": ["public"], "expires": "2026-06-01T00:00:00.000001Z"}, REGISTRY, NOW,
          True, "exp-fraction-later"),
    _case({"shareWith": ["public"], "expires": "9999-12-31T23:59:59-23:59"}, REGISTRY, NOW, True,
          "exp-far-future-extreme-offset"),
    _case({"shareWith": ["public"], "expires": "0001-01-01T00:00:00+23:59"}, REGISTRY, NOW, False,
          "exp-far-past-extreme-offset"),
    # Malformed: never read as the default (which would widen it for national nodes).
    _case({"shareWith": ["Public"]}, REGISTRY, NOW, False, "bad-case-public"),
    _case({"shareWith": ["National"]}, NATIONAL, NOW, False, "bad-case-role"),
    _case({"shareWith": ["org:Volta-EU"]}, BUYER_CLIENT, NOW, False, "bad-case-org"),
    _case({"shareWith": ["org:volta-eu "]}, BUYER_CLIENT, NOW, False, "bad-trailing-space"),
    _case({"shareWith": ["public", "Public"]}, REGISTRY, NOW, False, "bad-one-of-two"),
    _case({"shareWith": "public"}, REGISTRY, NOW, False, "bad-not-a-list"),
    _case({"shareWith": []}, NATIONAL, NOW, False, "bad-empty"),
    _case({"shareWith": ["national", "national"]}, NATIONAL, NOW, False, "bad-duplicate"),
    _case({"shareWith": [f"org:o{i}" for i in range(MAX_SHARE_WITH + 1)] + ["national"]},
          NATIONAL, NOW, False, "bad-too-many"),
    _case({"expires": "2099-01-01T00:00:00Z"}, NATIONAL, NOW, False, "bad-no-share-with"),
    _case({"shareWith": ["public"], "purpose": "x"}, REGISTRY, NOW, False, "bad-unknown-field"),
    _case({"shareWith": ["public"], "expires": "2099-01-01T00:00:00"}, REGISTRY, NOW, False,
          "bad-expires-without-offset"),
    _case({"shareWith": ["public"], "expires": "2099-01-01t00:00:00z"}, REGISTRY, NOW, False,
          "bad-expires-lower-case"),
    _case({"shareWith": ["public"], "expires": "2099-06-30T23:59:60Z"}, REGISTRY, NOW, False,
          "bad-expires-leap-second"),
    _case({"shareWith": ["public"], "expires": "2099-01-01T00:00:00+24:00"}, REGISTRY, NOW, False,
          "bad-expires-offset-out-of-range"),
    _case({"shareWith": ["public"], "expires": 4102444800}, REGISTRY, NOW, False,
          "bad-expires-a-number"),
    _case({"shareWith": ["public"], "expires": None}, REGISTRY, NOW, False, "bad-expires-null"),
    _case(None, NATIONAL, NOW, False, "bad-null-policy-is-not-absent"),
    _case(None, ORIGIN_NODE, NOW, True, "bad-origin-still-served"),
    _case(["public"], REGISTRY, NOW, False, "bad-policy-a-list"),
]  # fmt: skip


@pytest.mark.parametrize(("policy", "reader", "now", "expected"), CASES)
def test_audience_admits(policy: Any, reader: Reader, now: datetime, expected: bool) -> None:
    assert _audience(policy).admits(reader, now) is expected


def test_every_reader_kind_appears_in_the_table() -> None:
    # The table exercises the issuing node, clients, and every node role.
    used = {param.values[1] for param in CASES}
    assert set(READERS) <= used


def test_a_bare_dataset_reads_like_the_credential_holding_it() -> None:
    policy = {"shareWith": ["registry"], "expires": EXPIRES}
    bare = Audience.of(_subject(policy), origin_org=ISSUER)
    assert bare == _audience(policy)
    assert bare.share_with == frozenset({"registry"})
    assert bare.expires == NOW
    assert bare.defect is None


@pytest.mark.parametrize(
    "document",
    [None, [], "x", 1, {"credentialSubject": None}, {"credentialSubject": [_subject(ABSENT)]}],
)
def test_a_document_that_is_not_a_dataset_admits_only_the_issuing_node(document: Any) -> None:
    audience = Audience.of(document, origin_org=ISSUER)
    assert audience.defect is not None
    assert [reader for reader in READERS if audience.admits(reader, NOW)] == [
        ORIGIN_NODE,
        ORIGIN_CLIENT,
    ]


def test_the_shared_example_reaches_the_registry_and_the_buyer_not_national() -> None:
    document = load("valid/product-footprint-power-battery-shared-with-registry.json")
    audience = Audience.of(document, origin_org=ISSUER)
    admitted = {reader for reader in READERS if audience.admits(reader, NOW)}
    assert admitted == {ORIGIN_NODE, ORIGIN_CLIENT, REGISTRY, BUYER_CLIENT, BUYER_NODE,
                        ISSUER_ELSEWHERE}  # fmt: skip
    expiry = datetime(2027, 12, 31, 15, 59, 59, tzinfo=UTC)  # 23:59:59+08:00
    assert audience.admits(REGISTRY, expiry - timedelta(seconds=1))
    assert not audience.admits(REGISTRY, expiry)


def test_a_footprint_that_went_through_pact_has_the_default_audience() -> None:
    # PACT cannot carry the policy (schemas.translate notes it): back in cfx it has none.
    shared = load("valid/product-footprint-power-battery-shared-with-registry.json")
    back = pact_v3_to_dataset(dataset_to_pact_v3(shared).document).document
    audience = Audience.of(back, origin_org=ISSUER)
    assert audience.share_with is None
    assert audience.admits(NATIONAL, NOW)
    assert not audience.admits(REGISTRY, NOW)


def test_require_refuses_with_evidence_a_reader_outside_the_policy() -> None:
    audience = _audience({"shareWith": ["org:volta-eu"]})
    audience.require(BUYER_NODE, NOW, dataset_id="urn:uuid:1")  # admitted: nothing raised
    with pytest.raises(OutsideUsagePolicyError) as caught:
        audience.require(REGISTRY, NOW, dataset_id="urn:uuid:1")
    error = caught.value
    assert isinstance(error, FederationError)
    assert error.reason == "OUTSIDE_USAGE_POLICY"
    assert dict(error.metadata) == {
        "dataset_id": "urn:uuid:1",
        "reader_org": "eu-registry",
        "reader_role": "registry",
    }
    assert "org:volta-eu" in error.message
    assert status.status_code(error) is grpc.StatusCode.FAILED_PRECONDITION


def test_describe_says_the_audience_in_a_few_words() -> None:
    assert _audience(ABSENT).describe() == "issuing node and national nodes (no policy)"
    assert _audience(
        {"shareWith": ["registry", "org:volta-eu"], "expires": EXPIRES}
    ).describe() == ("org:volta-eu, registry until 2026-06-01T08:00:00+08:00")
    assert _audience({"shareWith": []}).describe().startswith("issuing node only")


def test_a_naive_clock_is_a_caller_bug_refused_even_without_expiry() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        _audience(ABSENT).admits(NATIONAL, datetime(2026, 6, 1))  # noqa: DTZ001 - the point
    with pytest.raises(ValueError, match="timezone-aware"):
        _audience(ABSENT).admits(ORIGIN_NODE, datetime(2026, 6, 1))  # noqa: DTZ001


def test_any_timezone_of_the_clock_gives_the_same_answer() -> None:
    audience = _audience({"shareWith": ["registry"], "expires": EXPIRES})
    for hours in (-12, -1, 0, 5, 14):
        zone = timezone(timedelta(hours=hours))
        assert not audience.admits(REGISTRY, NOW.astimezone(zone))
        assert audience.admits(REGISTRY, BEFORE.astimezone(zone))


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("Volta-EU", None, False), ValueError),
        (("", None, False), ValueError),
        (("volta-eu", "national", False), TypeError),
        (("volta-eu", None, 1), TypeError),
    ],
)
def test_a_wrongly_built_reader_is_refused(
    args: tuple[Any, Any, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        Reader(*args)


def test_the_policy_bounds_are_the_schemas() -> None:
    defs = resources.load_schema("defs.schema.json")["$defs"]
    assert defs["UsagePolicy"]["properties"]["shareWith"]["maxItems"] == MAX_SHARE_WITH
    assert set(defs["UsagePolicy"]["properties"]) == {"shareWith", "expires"}
    assert defs["UsagePolicy"]["required"] == ["shareWith"]


def test_origin_org_must_be_an_organization_name() -> None:
    with pytest.raises(ValueError, match="organization name"):
        Audience.of({}, origin_org="Battery Maker")


# --- properties over arbitrary JSON ----------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=16,
)
ITEMS = st.sampled_from(
    ["public", "provincial", "national", "registry", "org:volta-eu", "org:a", "Public",
     "org:", "org:-x", "org:Volta", "international", " national", "national\n", "org:a_b"]
) | st.text(max_size=8) | st.from_regex(r"org:[a-z0-9-]{0,66}", fullmatch=True)  # fmt: skip
DATE_TIMES = st.datetimes(
    min_value=datetime(1, 1, 2),  # noqa: DTZ001 - hypothesis takes naive bounds
    max_value=datetime(9999, 12, 30),  # noqa: DTZ001
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5))]),
)
EXPIRY = (
    DATE_TIMES.map(lambda moment: moment.isoformat())
    | DATE_TIMES.map(lambda moment: moment.isoformat().replace("+00:00", "Z"))
    | DATE_TIMES.map(lambda moment: moment.replace(tzinfo=None).isoformat())
    | st.text(max_size=40)
    | JSON
)
WELL_FORMED_ITEMS = st.sampled_from(
    ["public", "provincial", "national", "registry"]
) | st.from_regex(r"org:[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", fullmatch=True)
WELL_FORMED = st.fixed_dictionaries(
    {"shareWith": st.lists(WELL_FORMED_ITEMS, min_size=1, max_size=5, unique=True)},
    optional={"expires": DATE_TIMES.map(lambda moment: moment.isoformat())},
)
NEAR_VALID = st.fixed_dictionaries(
    {},
    optional={
        "shareWith": st.lists(ITEMS, max_size=5) | JSON,
        "expires": EXPIRY,
        "purpose": JSON,
    },
)
POLICIES = WELL_FORMED | NEAR_VALID | JSON
CLOCKS = DATE_TIMES


@settings(max_examples=300)
@given(policy=POLICIES, now=CLOCKS)
def test_admits_is_total_on_arbitrary_json_policies(policy: Any, now: datetime) -> None:
    audience = _audience(policy)
    for reader in READERS:
        admitted = audience.admits(reader, now)
        assert isinstance(admitted, bool)
        if reader.is_origin:
            assert admitted
        elif admitted:  # anyone else only under a readable, unexpired policy
            assert audience.defect is None
            assert not audience.expired(now)
    audience.describe()


@settings(max_examples=200)
@given(document=JSON | JSON.map(lambda subject: {"credentialSubject": subject}))
def test_audience_of_is_total_on_arbitrary_json_documents(document: Any) -> None:
    audience = Audience.of(document, origin_org=ISSUER)
    admitted = [reader for reader in READERS if audience.admits(reader, NOW)]
    if audience.defect is not None:
        assert admitted == [ORIGIN_NODE, ORIGIN_CLIENT]


CREDENTIAL = load("valid/product-footprint-electronics-laptop.json")


@settings(max_examples=300)
@given(policy=POLICIES)
def test_the_policy_and_the_schema_agree_on_what_is_well_formed(policy: Any) -> None:
    # Differential: the intake refuses exactly the policies this module reads as defective,
    # so what the schema lets through is never silently narrowed (or widened) here.
    document = copy.deepcopy(CREDENTIAL)
    document["credentialSubject"]["usagePolicy"] = policy
    schema_ok = schemas.validate(document) == []
    assert schema_ok == (Audience.of(document, origin_org=ISSUER).defect is None), policy


@given(policy=WELL_FORMED | NEAR_VALID, first=CLOCKS, later=CLOCKS)
def test_an_audience_never_grows_with_time(policy: Any, first: datetime, later: datetime) -> None:
    first, later = min(first, later), max(first, later)
    audience = _audience(policy)
    for reader in READERS:
        assert audience.admits(reader, first) or not audience.admits(reader, later)


@given(item=ITEMS | JSON)
def test_audience_items_are_exactly_what_the_schema_accepts(item: Any) -> None:
    document = copy.deepcopy(CREDENTIAL)
    document["credentialSubject"]["usagePolicy"] = {"shareWith": [item]}
    assert (schemas.validate(document) == []) == is_audience_item(item), item
