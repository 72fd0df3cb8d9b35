"""Hypothesis strategies for JSON-LD credentials built from the terms of the pinned contexts.

Documents use VC v2, the W3C examples context and the test PCF context in tests/data/fast_rdf/:
random subsets of properties, nesting, value types (decimal strings, dates, ids, numbers, booleans,
language and typed value objects, lists, graphs, nulls). Shared by the fast-path property tests
and the FAST_PATH_ONLY tests, which run the same generated documents in the strict mode.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests.helpers.rdf_compare import EXAMPLES_V2, FIXTURE_URL, VC_V2

SETTINGS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

IRIS = st.sampled_from(
    [
        "urn:uuid:0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
        "did:web:supplier.example",
        "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#key-1",
        "https://cfx.test/p?q=1#frag",
        "ex:compact",
        "_:shared",
        "_:other",
    ]
)
BAD_IRIS = st.sampled_from(["relative/path", "../up", "@keywordish", "https://x.example/a b"])
DECIMALS = st.decimals(allow_nan=False, allow_infinity=False, places=4).map(str)
DATES = st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ"))
TEXT = st.text(max_size=12)
NUMBERS = st.one_of(
    st.integers(min_value=-(10**25), max_value=10**25),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
)
LANGUAGES = st.sampled_from(["en", "EN-GB", "zh-Hans-CN", "de"])
DATATYPES = st.sampled_from(
    ["xsd:decimal", "xsd:date", "ex:quantity", "https://cfx.test/vocab#unit", "xsd:string"]
)
SCALARS = st.one_of(TEXT, DECIMALS, DATES, IRIS, NUMBERS, st.none())
VALUE_OBJECTS = st.one_of(
    st.builds(lambda v, lang: {"@value": v, "@language": lang}, TEXT, LANGUAGES),
    st.builds(
        lambda v, t: {"@value": v, "@type": t}, st.one_of(TEXT, DECIMALS, NUMBERS), DATATYPES
    ),
    st.just({"@value": None}),
)

#: Terms of the ProductFootprint type-scoped context (propagated into nested nodes).
PF_TERMS = [
    "productIds",
    "productDescription",
    "productNameCompany",
    "companyName",
    "specVersion",
    "version",
    "created",
    "status",
    "validityPeriodStart",
    "precedingPfIds",
    "comment",
    "pcf",
    "declaredUnitAmount",
    "pcfExcludingBiogenicUptake",
    "fossilGhgEmissions",
    "primaryDataShare",
    "ratio",
    "count",
    "flag",
    "referencePeriodStart",
    "geographyCountry",
    "crossSectoralStandards",
    "stages",
    "dqi",
    "technologicalDQR",
    "attachments",
    "factorId",
    "secondaryEmissionFactorSources",
    "note",
    "name",
    "description",
]
#: Terms the fast path must refuse (or that are undefined, which the reference path rejects).
REFUSED_TERMS = ["blob", "madeBy", "titles", "meta", "undefinedTerm"]
#: Terms only some type-scoped contexts define (Note, VerifiableCredential, DataIntegrityProof).
SCOPED_TERMS = ["text", "author", "issuer", "validFrom", "proof", "cryptosuite", "proofPurpose"]


#: Terms whose string values are IRIs (`@type: @id` or `@vocab`): text there is a relative IRI.
IRI_VALUED = {"productIds", "precedingPfIds", "factorId", "attachments", "status"}
STATUS = st.sampled_from(["Active", "Deprecated", "urn:status:x", "ex:Withdrawn"])


def _value_for(
    key: str, children: st.SearchStrategy[Any], *, strict: bool
) -> st.SearchStrategy[Any]:
    """Values for `key`; `strict` keeps to what the fast path models (see the module docstring)."""
    if not strict:
        return children
    if key in IRI_VALUED:
        iris = STATUS if key == "status" else IRIS
        references = st.fixed_dictionaries({"id": IRIS})
        return st.one_of(
            iris, references, st.lists(st.one_of(iris, references, st.none()), max_size=3)
        )
    if key == "ratio":  # xsd:double: strings such as "inf" or "NaN" fall back on purpose
        return st.one_of(NUMBERS, DECIMALS, st.none())
    if key == "stages":  # @list container: a list of lists is outside the fast path
        items = st.one_of(SCALARS, VALUE_OBJECTS)
        return st.one_of(items, st.lists(items, max_size=4))
    return children


def _node(
    children: st.SearchStrategy[Any], keys: list[str], *, strict: bool
) -> st.SearchStrategy[dict[str, Any]]:
    entry = st.sampled_from(keys).flatmap(
        lambda key: st.tuples(st.just(key), _value_for(key, children, strict=strict))
    )
    return st.builds(
        lambda entries, node_id, types: {
            **dict(entries),
            **({"id": node_id} if node_id is not None else {}),
            **({"type": types} if types is not None else {}),
        },
        st.lists(entry, max_size=5),
        st.one_of(st.none(), IRIS),
        st.one_of(
            st.none(),
            st.sampled_from(
                [
                    "Note",
                    "ProductFootprint",
                    "ex:Other",
                    ["ex:A", "ex:B"],
                    ["Note", "ProductFootprint"],
                    "VerifiableCredential",
                    "DataIntegrityProof",
                ]
            ),
        ),
    )


def _values(
    keys: list[str], extra_leaves: st.SearchStrategy[Any], *, strict: bool
) -> st.SearchStrategy[Any]:
    leaves = st.one_of(SCALARS, VALUE_OBJECTS, extra_leaves)
    return st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, max_size=4), _node(children, keys, strict=strict)
        ),
        max_leaves=12,
    )


def credential(subject: dict[str, Any], contexts: list[str], proof: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": contexts,
        "type": ["VerifiableCredential"],
        "issuer": "did:web:issuer.example",
        "credentialSubject": subject,
    }
    if proof is not None:
        document["proof"] = proof
    return document


PROOFS = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {
            "type": st.just("DataIntegrityProof"),
            "cryptosuite": st.sampled_from(["eddsa-rdfc-2022", "ecdsa-rdfc-2019"]),
            "created": DATES,
            "proofPurpose": st.sampled_from(["assertionMethod", "authentication"]),
            "verificationMethod": IRIS,
            "proofValue": TEXT,
        }
    ),
)

SUPPORTED_SUBJECTS = _node(_values(PF_TERMS, st.nothing(), strict=True), PF_TERMS, strict=True).map(
    lambda node: {**node, "type": "ProductFootprint"}
)
WIDE_SUBJECTS = _node(
    _values(
        PF_TERMS + REFUSED_TERMS + SCOPED_TERMS,
        st.one_of(BAD_IRIS, st.just({"@context": {}})),
        strict=False,
    ),
    PF_TERMS + REFUSED_TERMS + SCOPED_TERMS,
    strict=False,
)
CONTEXT_LISTS = st.sampled_from(
    [[VC_V2, FIXTURE_URL], [VC_V2, EXAMPLES_V2, FIXTURE_URL], [VC_V2, FIXTURE_URL, EXAMPLES_V2]]
)
