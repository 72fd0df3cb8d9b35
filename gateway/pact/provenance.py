"""How a registry copy of a partner's PACT footprint is marked (issue 15, "Footprints served").

A footprint that arrives by PACT is not issuer-signed: the receiving node stores it in a
credential it signs itself, as a registry attestation. The mark is a DataModelExtension
(pact-v3.md §1.3) in the subject's `extensions`, so it is signed with the rest (its `data` is
a JSON literal in the cfx context: no new terms) and travels in the PACT form served again.
"""

from __future__ import annotations

from typing import Any, Final

#: The extension's dataSchema: names this kind of extension (not fetched by anyone).
REGISTRY_SCHEMA: Final = "https://w3id.org/cfx/schemas/v1/pact-registry-attestation.json"
REGISTRY_SPEC_VERSION: Final = "1.0.0"
KIND: Final = "registry-attestation"


def registry_extension(provenance: dict[str, Any]) -> dict[str, Any]:
    """The DataModelExtension that marks a subject as a registry copy."""
    return {"specVersion": REGISTRY_SPEC_VERSION, "dataSchema": REGISTRY_SCHEMA,
            "data": provenance}  # fmt: skip


def registry_copy(subject: Any) -> dict[str, Any] | None:
    """The provenance of a registry copy (`kind`, `source`, `partner`, `fetchedFrom`,
    `fetchedAt`, `sha256OfPactJson`), or None for a subject its issuer signed."""
    extensions = subject.get("extensions") if isinstance(subject, dict) else None
    for entry in extensions if isinstance(extensions, list) else []:
        if isinstance(entry, dict) and entry.get("dataSchema") == REGISTRY_SCHEMA:
            data = entry.get("data")
            if isinstance(data, dict) and data.get("kind") == KIND:
                return data
    return None


def marker(subject: Any) -> str:
    """The words shown wherever a registry copy is shown; "" for any other subject."""
    found = registry_copy(subject)
    if found is None:
        return ""
    partner = str(found.get("partner", "?"))[:80]
    return f"registry attestation of a PACT footprint from {partner}, not issuer-signed"


def credential_marker(document: Any) -> str:
    """`marker` of a credential's subject."""
    subject = document.get("credentialSubject") if isinstance(document, dict) else None
    return marker(subject)
