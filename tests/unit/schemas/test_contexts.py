"""cfx's JSON-LD context: pinned, protected, fully mapped, and lossless for every example."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from pyld import jsonld
from pyld.jsonld import JsonLdProcessor

from schemas import resources
from schemas.errors import BundledResourceError
from schemas.paths import CONTEXTS_DIR, CONTEXTS_MANIFEST
from tests.helpers.schemas_data import valid_files

W3C_URLS = {
    "https://www.w3.org/ns/credentials/v2",
    "https://w3id.org/security/data-integrity/v2",
    "https://w3id.org/security/data-integrity/v1",
    "https://w3id.org/security/multikey/v1",
}
CFX_CONTEXT = resources.load_context(resources.CFX_CONTEXT_V1)["@context"]
SCOPED = {name: CFX_CONTEXT[name]["@context"] for name in resources.KIND_SCHEMAS}


class DroppedTermError(Exception):
    pass


def _raise_dropped(*args: Any, **kwargs: Any) -> None:
    raise DroppedTermError(f"JSON-LD would drop a term: {args} {kwargs}")


def _loader(url: str, options: Any = None) -> dict[str, Any]:
    # Allow-list loader over the manifest (J1); no `tag`, so pyld's shared cache is not involved.
    documents = resources.context_documents()
    if url not in documents:
        raise LookupError(f"context {url} is not pinned")
    return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
            "document": documents[url]}  # fmt: skip


def expand_losslessly(document: dict[str, Any]) -> list[Any]:
    processor = JsonLdProcessor(on_property_dropped=_raise_dropped)
    expanded: list[Any] = processor.expand(document, {"documentLoader": _loader, "base": None})
    return expanded


def test_manifest_pins_every_context_by_sha256() -> None:
    manifest = json.loads(CONTEXTS_MANIFEST.read_bytes())["contexts"]
    urls = [entry["url"] for entry in manifest]
    assert len(urls) == len(set(urls))
    assert W3C_URLS | {resources.CFX_CONTEXT_V1} == set(urls)
    for entry in manifest:
        raw = (CONTEXTS_DIR / entry["file"]).read_bytes()
        assert hashlib.sha256(raw).hexdigest() == entry["sha256"], entry["url"]


def test_altered_context_bytes_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy_dir = tmp_path / "contexts"
    (copy_dir / "cfx").mkdir(parents=True)
    original = (CONTEXTS_DIR / "cfx" / "v1.jsonld").read_bytes()
    (copy_dir / "cfx" / "v1.jsonld").write_bytes(original.replace(b"xsd:decimal", b"xsd:string", 1))
    manifest = [e for e in json.loads(CONTEXTS_MANIFEST.read_bytes())["contexts"]
                if e["url"] == resources.CFX_CONTEXT_V1]  # fmt: skip
    (copy_dir / "manifest.json").write_text(json.dumps({"contexts": manifest}))
    monkeypatch.setattr(resources, "CONTEXTS_DIR", copy_dir)
    monkeypatch.setattr(resources, "CONTEXTS_MANIFEST", copy_dir / "manifest.json")
    resources.context_manifest.cache_clear()
    resources.context_documents.cache_clear()
    try:
        with pytest.raises(BundledResourceError, match="sha256"):
            resources.context_documents()
    finally:
        resources.context_manifest.cache_clear()
        resources.context_documents.cache_clear()


def test_context_url_is_versioned_and_never_fetched() -> None:
    assert resources.CFX_CONTEXT_V1 == "https://w3id.org/cfx/v1"
    with pytest.raises(LookupError):
        _loader("https://w3id.org/cfx/v2")


def test_every_cfx_context_is_protected_and_has_no_vocab() -> None:
    assert CFX_CONTEXT["@protected"] is True
    text = (CONTEXTS_DIR / "cfx" / "v1.jsonld").read_text()
    assert "@vocab" not in text  # every term is mapped; nothing falls back to a vocabulary
    for kind, scoped in SCOPED.items():
        assert scoped["@protected"] is True, kind
        # Type-scoped contexts stop at nested objects (pcf, electricity) unless they propagate.
        assert scoped["@propagate"] is True, kind


def _schema_properties(schema: Any, out: dict[str, set[str]], ref_of: dict[str, str]) -> None:
    if isinstance(schema, dict):
        for name, sub in schema.get("properties", {}).items():
            target = sub.get("$ref", "") if isinstance(sub, dict) else ""
            out.setdefault(name, set()).add(target.rsplit("/", 1)[-1])
            ref_of[name] = target
        for value in schema.values():
            _schema_properties(value, out, ref_of)
    elif isinstance(schema, list):
        for value in schema:
            _schema_properties(value, out, ref_of)


@pytest.mark.parametrize("kind", sorted(resources.KIND_SCHEMAS))
def test_every_schema_field_is_mapped_and_decimals_are_xsd_decimal(kind: str) -> None:
    schema = resources.load_schema(resources.KIND_SCHEMAS[kind])
    fields: dict[str, set[str]] = {}
    _schema_properties(schema, fields, {})
    if kind == "ProductFootprint":
        _schema_properties(resources.load_schema("electricity-block.schema.json"), fields, {})
    vc_terms = set(resources.load_context(resources.VC_CONTEXT_V2)["@context"])
    scoped = SCOPED[kind]
    nested = {
        term: set(definition["@context"])
        for term, definition in scoped.items()
        if isinstance(definition, dict) and "@context" in definition
    }
    for name, targets in fields.items():
        nested_hit = any(name in terms for terms in nested.values())
        assert name in scoped or name in vc_terms or nested_hit, f"{kind}.{name} is not mapped"
        if targets & {"Decimal", "PositiveOrZeroDecimal", "PositiveNonZeroDecimal",
                      "NegativeOrZeroDecimal", "Percent", "DataQualityRating"}:  # fmt: skip
            assert scoped[name]["@type"] == "xsd:decimal", f"{kind}.{name} must be xsd:decimal"
        if "DateTime" in targets and name not in vc_terms:
            assert scoped[name]["@type"] == "xsd:dateTime", f"{kind}.{name} must be xsd:dateTime"


@pytest.mark.parametrize("path", valid_files(), ids=lambda p: p.name)
def test_every_valid_example_expands_without_dropping_a_term(path: Path) -> None:
    document = json.loads(path.read_bytes())
    expand_losslessly(document)
    nquads = jsonld.to_rdf(
        document, {"documentLoader": _loader, "format": "application/n-quads", "base": None}
    )
    assert "example.org/base" not in nquads  # no relative IRI resolved against pyld's base
    assert len(nquads.splitlines()) >= 10


def test_undefined_field_is_reported_not_silently_dropped(battery: dict[str, Any]) -> None:
    # The check above can fail: a field the context does not map makes expansion raise.
    tampered = copy.deepcopy(battery)
    tampered["credentialSubject"]["pcf"]["pcfExcludingBiogenic"] = "1.63"
    with pytest.raises(Exception, match="drop") as caught:
        expand_losslessly(tampered)
    assert caught.type is DroppedTermError or isinstance(caught.value.__cause__, DroppedTermError)


def test_decimals_reach_rdf_as_xsd_decimal_strings(battery: dict[str, Any]) -> None:
    nquads = jsonld.to_rdf(battery, {"documentLoader": _loader, "format": "application/n-quads"})
    assert '"62.40"^^<http://www.w3.org/2001/XMLSchema#decimal>' in nquads  # scale kept as sent
    assert '"7500"^^<http://www.w3.org/2001/XMLSchema#decimal>' in nquads


def test_secondary_source_name_is_redefined_by_a_property_scoped_context(
    battery: dict[str, Any],
) -> None:
    # VC 2.0 protects `name`; only a property-scoped context may give it another IRI.
    nquads = jsonld.to_rdf(battery, {"documentLoader": _loader, "format": "application/n-quads"})
    assert '<https://w3id.org/cfx/vocab#emissionFactorSourceName> "ecoinvent"' in nquads


def test_a_later_context_cannot_redefine_a_protected_cfx_term(battery: dict[str, Any]) -> None:
    attacker = copy.deepcopy(battery)
    attacker["@context"] = [*battery["@context"], {"ProductFootprint": "https://evil.example/PF"}]
    with pytest.raises(jsonld.JsonLdError, match="protected"):
        expand_losslessly(attacker)


def test_signing_reference_path_accepts_every_example() -> None:
    # Cross-check with the signer's own lossless RDF path (tests only: schemas never imports it).
    rdf = pytest.importorskip("signing.rdf", reason="signing package not importable")
    loader = pytest.importorskip("signing.loader").default_loader()
    for path in valid_files():
        document = json.loads(path.read_bytes())
        assert rdf.to_nquads(document, loader, fast=False), path.name
