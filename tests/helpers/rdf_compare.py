"""Differential checks of signing.fast_rdf against pyld, compared as RDFC-1.0 canonical datasets.

Both N-Quads documents are canonicalized with pyoxigraph's RDFC-1.0, so blank node labels do not
matter and everything else does. The contexts are the production ones, the W3C examples context
and the test PCF context in FAST_RDF_DATA.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Callable
from typing import Any

import pyoxigraph as ox
from pyld.context_resolver import ContextResolver
from pyld.jsonld import JsonLdProcessor

from schemas.paths import CONTEXTS_DIR, CONTEXTS_MANIFEST
from signing import rdf
from signing.canon import DEFAULT_LIMITS, canonicalize_nquads, canonicalize_quads
from signing.canon.nquads import parse_nquads
from signing.errors import SigningError
from signing.fast_rdf import to_nquads, to_quads
from signing.loader import PinnedLoader
from tests.helpers.paths import FAST_RDF_DATA, VECTORS

DATA = FAST_RDF_DATA
FIXTURE_URL = "https://cfx.test/contexts/fast-rdf/v1"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"

Loader = Callable[[str, dict[str, Any]], dict[str, Any]]


def context_documents() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for entry in json.loads(CONTEXTS_MANIFEST.read_text(encoding="utf-8"))["contexts"]:
        found[entry["url"]] = json.loads((CONTEXTS_DIR / entry["file"]).read_text(encoding="utf-8"))
    examples = VECTORS / "vc-data-model/contexts/credentials/examples/v2"
    found[EXAMPLES_V2] = json.loads(examples.read_text(encoding="utf-8"))
    found[FIXTURE_URL] = json.loads((DATA / "pcf-test-context.jsonld").read_text(encoding="utf-8"))
    return found


class ContextNotPinnedError(Exception):
    pass


def make_loader(documents: dict[str, Any]) -> Loader:
    def load(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
        if url not in documents:
            raise ContextNotPinnedError(url)
        return {"contextUrl": None, "documentUrl": url, "document": documents[url]}

    return load


LOADER = make_loader(context_documents())


def _raise_dropped(term: object) -> None:
    raise ValueError(f"dropped term {term!r}")


def reference_nquads(document: dict[str, Any], loader: Loader = LOADER) -> str:
    """pyld in safe mode: a dropped term is an error, as on the reference path.

    A private ContextResolver keeps pyld's process-wide context cache (filled by other tests'
    `tag: static` loaders) from answering for this loader.
    """
    processor = JsonLdProcessor(on_property_dropped=_raise_dropped)
    options = {
        "format": "application/n-quads",
        "documentLoader": loader,
        "contextResolver": ContextResolver({}, loader),
    }
    return str(processor.to_rdf(copy.deepcopy(document), options))


@functools.cache
def pinned_loader() -> PinnedLoader:
    """The production loader over the production manifest, the W3C test one and ours."""
    return PinnedLoader(
        [CONTEXTS_MANIFEST, VECTORS / "test-contexts-manifest.json", DATA / "manifest.json"]
    )


def assert_production_reference_agrees(
    document: dict[str, Any], *, may_refuse: bool = False
) -> None:
    """signing.rdf's lossless reference path (what verification falls back to) agrees."""
    loader = pinned_loader()
    fast = to_nquads(document, loader)
    try:
        reference = rdf.reference_to_nquads(copy.deepcopy(document), loader)
    except SigningError:
        assert fast is None, "fast path accepted a document the production reference rejects"
        return
    if fast is None and may_refuse:
        return
    assert fast is not None, "fast path refused a document it should support"
    assert canonical(fast) == canonical(reference)
    assert_structured_path_matches_text(document, loader, reference)


def assert_structured_path_matches_text(
    document: dict[str, Any], loader: Loader, reference: str | None = None
) -> None:
    """`to_quads` is exactly what parsing `to_nquads`' text gives, and canonicalizes the same.

    With `reference` (pyld's N-Quads), cfx's canonical form of the fast quads must also equal
    cfx's canonical form of the reference text: what a signature covers, byte for byte.
    """
    quads = to_quads(document, loader)
    text = to_nquads(document, loader)
    if quads is None:
        assert text is None
        return
    assert text is not None
    assert quads == parse_nquads(text, DEFAULT_LIMITS)
    structured = canonicalize_quads(quads)
    assert structured == canonicalize_nquads(text)
    if reference is not None:
        assert structured == canonicalize_nquads(reference)


def canonical(nquads: str) -> list[str]:
    dataset = ox.Dataset(ox.parse(nquads, format=ox.RdfFormat.N_QUADS))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return sorted(str(quad) for quad in dataset)


def assert_same_dataset(document: dict[str, Any], loader: Loader = LOADER) -> str:
    """The fast path answers, and its dataset is the reference dataset."""
    fast = to_nquads(document, loader)
    assert fast is not None, "fast path refused a document it should support"
    reference = reference_nquads(document, loader)
    assert canonical(fast) == canonical(reference)
    assert_structured_path_matches_text(document, loader, reference)
    return fast


def assert_agrees_or_refuses(document: dict[str, Any], loader: Loader = LOADER) -> str | None:
    """Either the fast path refuses, or it gives the reference dataset; never anything else."""
    fast = to_nquads(document, loader)
    try:
        reference = reference_nquads(document, loader)
    except Exception:  # the reference path rejects it: the fast path must not accept it
        assert fast is None, "fast path accepted a document the reference path rejects"
        return None
    if fast is not None:
        assert canonical(fast) == canonical(reference)
        assert_structured_path_matches_text(document, loader, reference)
    return fast
