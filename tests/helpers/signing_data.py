"""Signing test data: context manifests, well-known context URLs and a test credential.

The W3C vectors use https://www.w3.org/ns/credentials/examples/v2, which is not in the production
manifest; tests/vectors/test-contexts-manifest.json pins it (and undefined-terms/v2) on top.
SIGNING_DATA pins a small protected footprint context without @vocab, so undefined terms really
are undefined (the examples context maps everything through its @vocab).
"""

from __future__ import annotations

import copy
from typing import Any

from schemas.paths import CONTEXTS_MANIFEST
from tests.helpers.paths import SIGNING_DATA, VECTORS

TEST_MANIFEST = VECTORS / "test-contexts-manifest.json"
DATA = SIGNING_DATA
FOOTPRINT_MANIFEST = DATA / "manifest.json"
MANIFESTS = (CONTEXTS_MANIFEST, TEST_MANIFEST, FOOTPRINT_MANIFEST)

VC_V2 = "https://www.w3.org/ns/credentials/v2"
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
FOOTPRINT_CONTEXT = "https://cfx.test/contexts/footprint-test/v1"


def footprint_credential(issuer: str, **subject: Any) -> dict[str, Any]:
    credential: dict[str, Any] = {
        "@context": [VC_V2, FOOTPRINT_CONTEXT],
        "id": "urn:uuid:6f1c2a52-3b53-4a49-9f0e-2f4f5f0a1b01",
        "type": ["VerifiableCredential", "TestFootprintCredential"],
        "issuer": issuer,
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "urn:uuid:0d8e6f0c-54a4-4bb5-8a55-1d4a8f0c2b02",
            "type": "ProductFootprint",
            "productName": "LFP battery cell 280Ah",
            "companyIds": ["urn:company:sichuan:0001"],
            "referencePeriodStart": "2024-01-01T00:00:00Z",
            "pcf": {"pcfExcludingBiogenic": "1.63", "declaredUnit": "kilogram"},
        },
    }
    credential["credentialSubject"].update(copy.deepcopy(subject))
    return credential
