"""The table-driven proof configuration canonicalizer agrees with the general JSON-LD path.

`signing.proof_config` writes a proof configuration's canonical N-Quads without JSON-LD; it must
either agree byte for byte with pyld + RDFC-1.0 or step aside (None). Generated configurations
include compact IRIs a context would expand, relative IRIs, control characters and lists.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signing.errors import SigningError
from signing.loader import PinnedLoader
from signing.proof_config import canonical_proof_config
from signing.suites import canonical_form, get_suite
from tests.helpers.paths import VECTORS
from tests.helpers.signing_data import EXAMPLES_V2, FOOTPRINT_CONTEXT, MANIFESTS, VC_V2

LOADER = PinnedLoader(MANIFESTS)
RDFC = get_suite("eddsa-rdfc-2022")
CFX_V1 = "https://w3id.org/cfx/v1"

iris = st.sampled_from([
    "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
    "urn:uuid:3c1f5a8e-0000-4000-8000-000000000001",
    "https://issuer.example/keys/1",
    "cfx:defined-prefix",  # cfx v1 defines `cfx`: a compact IRI, expanded by JSON-LD
    "ex:defined-prefix",  # the footprint test context defines `ex`
    "xsd:string",
    "relative/key",
    "_:b0",
    "https://bad.example/a b",
])  # fmt: skip
texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=20)
values = st.one_of(iris, texts, st.lists(iris, min_size=1, max_size=2), st.integers())
contexts = st.sampled_from([
    [VC_V2], [VC_V2, CFX_V1], [VC_V2, EXAMPLES_V2], [VC_V2, FOOTPRINT_CONTEXT], VC_V2,
    [EXAMPLES_V2, VC_V2],
])  # fmt: skip
members = st.sampled_from([
    "created", "expires", "cryptosuite", "verificationMethod", "previousProof", "domain",
    "challenge", "nonce", "id", "proofValue", "unknownMember",
])  # fmt: skip


@st.composite
def configs(draw: st.DrawFn) -> dict[str, Any]:
    config: dict[str, Any] = {
        "type": draw(st.sampled_from(["DataIntegrityProof", "DataIntegrityProof", "Other"])),
        "cryptosuite": "eddsa-rdfc-2022",
        "created": draw(st.sampled_from(["2025-06-01T12:00:00Z", "not a date"])),
        "verificationMethod": draw(iris),
        "proofPurpose": draw(st.sampled_from(["assertionMethod"] * 3 + ["authentication"])),
    }
    for member in draw(st.lists(members, max_size=3, unique=True)):
        config[member] = draw(values)
    config["@context"] = draw(contexts)
    return config


def _general(config: dict[str, Any]) -> bytes | None:
    try:
        return canonical_form(RDFC, config, LOADER, "ed25519", fast=False)
    except SigningError:
        return None


@settings(max_examples=150, deadline=None)
@given(configs())
def test_table_path_agrees_with_json_ld_or_steps_aside(config: dict[str, Any]) -> None:
    table = canonical_proof_config(config, LOADER)
    if table is not None:
        assert table == _general(config), config


@pytest.mark.parametrize(
    "name",
    [
        "vc-di-eddsa/TestVectors/eddsa-rdfc-2022/proofConfigDataInt.json",
        "vc-di-ecdsa/TestVectors/ecdsa-rdfc-2019-p256/proofConfigECDSAP256.json",
        "vc-di-ecdsa/TestVectors/ecdsa-rdfc-2019-p384/proofConfigECDSAP384.json",
    ],
)
def test_table_path_reproduces_the_w3c_proof_canon(name: str) -> None:
    config = json.loads((VECTORS / name).read_text())
    expected = VECTORS / name.replace("proofConfig", "proofCanon").replace(".json", ".txt")
    table = canonical_proof_config(config, LOADER)
    assert table is not None
    assert table.decode().rstrip("\n") == expected.read_text().rstrip("\n")
