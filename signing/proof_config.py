"""Canonical N-Quads of a Data Integrity proof configuration without JSON-LD processing.

A proof configuration (proof options + the document's @context) always expands the same way when
the context starts with the VC 2.0 context: its DataIntegrityProof type-scoped context is
@protected, so no later context can redefine `created`, `cryptosuite` and the rest (pyld refuses
the attempt). Its RDF is then one node and at most ~10 quads, written here from a table, and
RDFC-1.0 labels its single blank node `_:c14n0`. This saves a full JSON-LD + RDFC-1.0 pass per
proof (about a tenth of a verification).

Anything outside the table returns None and the caller takes the general path: inline contexts,
non-string or list values, unknown members, other purposes than assertionMethod, IRIs whose
scheme a context defines as a term (it would be expanded as a compact IRI), IRIs with characters
N-Quads cannot carry, lone surrogates. tests/unit/signing/test_proof_config.py checks this
table against the general path on generated configurations.
"""

from __future__ import annotations

import re
from typing import Any, Final

from signing.canon.nquads import escape_literal
from signing.loader import PinnedLoader

VC_V2: Final = "https://www.w3.org/ns/credentials/v2"
_SEC: Final = "https://w3id.org/security#"
_XSD_DATETIME: Final = "<http://www.w3.org/2001/XMLSchema#dateTime>"
_RDF_TYPE: Final = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_PROOF_TYPE_IRI: Final = f"<{_SEC}DataIntegrityProof>"
_ASSERTION_METHOD: Final = f"<{_SEC}assertionMethod>"

# member -> (predicate, kind); kinds: "iri" (@type @id), "dt" (xsd:dateTime), "suite", "text"
_MEMBERS: Final[dict[str, tuple[str, str]]] = {
    "created": ("<http://purl.org/dc/terms/created>", "dt"),
    "expires": (f"<{_SEC}expiration>", "dt"),
    "cryptosuite": (f"<{_SEC}cryptosuite>", "suite"),
    "verificationMethod": (f"<{_SEC}verificationMethod>", "iri"),
    "previousProof": (f"<{_SEC}previousProof>", "iri"),
    "domain": (f"<{_SEC}domain>", "text"),
    "challenge": (f"<{_SEC}challenge>", "text"),
    "nonce": (f"<{_SEC}nonce>", "text"),
}
# An absolute IRI N-Quads can carry verbatim (RDF 1.1 N-Quads IRIREF, no escapes needed).
_PLAIN_IRI: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>\"{}|^`\\\ud800-\udfff]*")
_SURROGATE: Final = re.compile("[\ud800-\udfff]")

_TERMS_CACHE: dict[tuple[str, ...], frozenset[str]] = {}


def _defined_terms(urls: tuple[str, ...], loader: PinnedLoader) -> frozenset[str]:
    """Every term name defined at the top of the pinned contexts (and of the proof's scoped one)."""
    cached = _TERMS_CACHE.get(urls)
    if cached is not None:
        return cached
    terms: set[str] = set()
    for url in urls:
        context = loader.context(url).document
        context = context.get("@context") if isinstance(context, dict) else None
        for entry in context if isinstance(context, list) else [context]:
            if isinstance(entry, dict):
                terms.update(entry)
                scoped = entry.get("DataIntegrityProof")
                if isinstance(scoped, dict) and isinstance(scoped.get("@context"), dict):
                    terms.update(scoped["@context"])
    result = frozenset(terms)
    if len(_TERMS_CACHE) < 256:
        _TERMS_CACHE[urls] = result
    return result


def _iri(value: Any, terms: frozenset[str]) -> str | None:
    if not isinstance(value, str) or not _PLAIN_IRI.fullmatch(value):
        return None
    if value.startswith("_:") or value.split(":", 1)[0] in terms:
        return None  # a blank node, or a compact IRI a context would expand
    return f"<{value}>"


def canonical_proof_config(config: dict[str, Any], loader: PinnedLoader) -> bytes | None:
    """RDFC-1.0 canonical N-Quads of `config` (with @context), or None: use the general path."""
    context = config.get("@context")
    urls = tuple(context) if isinstance(context, list) else (context,)
    if not urls or urls[0] != VC_V2 or not all(isinstance(url, str) for url in urls):
        return None
    if (
        config.get("type") != "DataIntegrityProof"
        or config.get("proofPurpose") != "assertionMethod"
    ):
        return None
    terms = _defined_terms(urls, loader)  # raises ContextNotAllowedError for unpinned URLs
    subject = "_:c14n0"
    if "id" in config:
        proof_iri = _iri(config["id"], terms)
        if proof_iri is None:
            return None
        subject = proof_iri
    lines = [
        f"{subject} {_RDF_TYPE} {_PROOF_TYPE_IRI} .\n",
        f"{subject} <{_SEC}proofPurpose> {_ASSERTION_METHOD} .\n",
    ]
    for member, value in config.items():
        if member in {"@context", "type", "proofPurpose", "id"}:
            continue
        spec = _MEMBERS.get(member)
        if spec is None or not isinstance(value, str) or _SURROGATE.search(value):
            return None
        predicate, kind = spec
        if kind == "iri":
            obj = _iri(value, terms)
            if obj is None:
                return None
        elif kind == "dt":
            obj = f'"{escape_literal(value)}"^^{_XSD_DATETIME}'
        elif kind == "suite":
            obj = f'"{escape_literal(value)}"^^<{_SEC}cryptosuiteString>'
        else:
            obj = f'"{escape_literal(value)}"'
        lines.append(f"{subject} {predicate} {obj} .\n")
    return "".join(sorted(lines)).encode()
