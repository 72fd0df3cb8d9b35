"""JSON-LD -> RDF throughput: pyld's expand + toRDF (the baseline) vs compiled contexts (fast path).

Run: .venv/bin/python bench/fast_rdf.py [--seconds S]
Documents:
- pcf: the ~60-field product-footprint credential in tests/data/fast_rdf (VC v2 + the
  test PCF context: type-scoped and property-scoped contexts, decimals, dates, ids, a list, an
  RDF-list, a nested note, a Data Integrity proof graph); 64 quads;
- vector: the W3C vc-di-eddsa credential (signedDataInt.json, 15 quads);
- the valid cfx product-footprint examples in schemas/examples/valid/ that the fast path accepts.
Rows come in pairs, the second against the first: pyld expand+toRDF vs the fast path's N-Quads
text; that text vs the fast path's structured quads (`to_quads`, no text); pyld toRDF vs the fast
path, each followed by pyoxigraph's RDFC-1.0; and the document half of one eddsa-rdfc-2022
verification through N-Quads text (parsed again by cfx's bounded RDFC-1.0) vs through quads
handed straight to it (signing.suites.canonical_form). Each figure is the median of 5 rounds of
at least S/5 seconds, measured in this run; the fast path's output is checked to be the reference
dataset, and both cfx pipelines to give the same bytes, before anything is timed.
"""

from __future__ import annotations

import argparse
import copy
import json
import runpy
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyoxigraph as ox  # noqa: E402
from pyld import jsonld  # noqa: E402

from schemas.paths import CONTEXTS_DIR, CONTEXTS_MANIFEST  # noqa: E402
from signing.canon import canonicalize_nquads, canonicalize_quads  # noqa: E402
from signing.fast_rdf import to_nquads, to_quads  # noqa: E402

record = runpy.run_path(str(Path(__file__).with_name("results.py")))["record"]

DATA = ROOT / "tests" / "data" / "fast_rdf"
VECTORS = ROOT / "tests" / "vectors"
FIXTURE_URL = "https://cfx.test/contexts/fast-rdf/v1"
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"


def _loader() -> Callable[[str, dict[str, Any]], dict[str, Any]]:
    documents: dict[str, Any] = {}
    for entry in json.loads(CONTEXTS_MANIFEST.read_text(encoding="utf-8"))["contexts"]:
        documents[entry["url"]] = json.loads((CONTEXTS_DIR / entry["file"]).read_text("utf-8"))
    examples = VECTORS / "vc-data-model/contexts/credentials/examples/v2"
    documents[EXAMPLES_V2] = json.loads(examples.read_text(encoding="utf-8"))
    documents[FIXTURE_URL] = json.loads((DATA / "pcf-test-context.jsonld").read_text("utf-8"))

    def load(url: str, _options: dict[str, Any] | None = None) -> dict[str, Any]:
        # "tag": "static" lets pyld reuse its processed contexts: its fastest configuration.
        return {
            "contextUrl": None,
            "documentUrl": url,
            "document": documents[url],
            "tag": "static",
        }

    return load


LOADER = _loader()


def pyld_nquads(document: dict[str, Any]) -> str:
    options = {"format": "application/n-quads", "documentLoader": LOADER}
    return str(jsonld.to_rdf(document, options))


def fast_nquads(document: dict[str, Any]) -> str:
    result = to_nquads(document, LOADER)
    assert result is not None
    return result


def fast_quads(document: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    result = to_quads(document, LOADER)
    assert result is not None
    return result


def canonicalize(nquads: str) -> str:
    dataset = ox.Dataset(ox.parse(nquads, format=ox.RdfFormat.N_QUADS))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return "".join(sorted(f"{quad} .\n" for quad in dataset))


def ops_per_second(work: Callable[[], object], seconds: float) -> float:
    work()
    rates = []
    for _ in range(5):
        count = 0
        start = time.perf_counter()
        deadline = start + seconds / 5
        while True:
            work()
            count += 1
            now = time.perf_counter()
            if now >= deadline:
                break
        rates.append(count / (now - start))
    return statistics.median(rates)


def documents() -> dict[str, dict[str, Any]]:
    found = {
        "pcf (60 fields)": json.loads((DATA / "pcf-credential.json").read_text("utf-8")),
        "vector": json.loads(
            (VECTORS / "vc-di-eddsa/TestVectors/eddsa-rdfc-2022/signedDataInt.json").read_text(
                "utf-8"
            )
        ),
    }
    examples = CONTEXTS_DIR.parent / "examples" / "valid"
    if examples.is_dir():
        for path in sorted(examples.glob("product-footprint-*.json")):
            document = json.loads(path.read_text("utf-8"))
            if isinstance(document, dict) and to_nquads(document, LOADER) is not None:
                found[path.stem.removeprefix("product-footprint-")] = document
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    args = parser.parse_args()

    found = documents()
    width = max(len(name) for name in found)
    header = (
        f"{'document':<{width}} {'quads':>5} {'path':<26} {'ops/s':>9} {'ms/op':>7} {'ratio':>6}"
    )
    print(header)
    print("-" * len(header))
    for name, document in found.items():
        reference = pyld_nquads(copy.deepcopy(document))
        fast = fast_nquads(document)
        if canonicalize(reference) != canonicalize(fast):
            sys.exit(f"{name}: the fast path's dataset differs from pyld's; not timing it")
        if canonicalize_nquads(fast) != canonicalize_quads(fast_quads(document)):
            sys.exit(f"{name}: structured and text pipelines differ; not timing them")
        quads = len(set(fast.splitlines()))
        rows = [
            ("pyld expand+toRDF", lambda d=document: pyld_nquads(d)),
            ("fast to_nquads", lambda d=document: fast_nquads(d)),
            ("fast to_nquads (text)", lambda d=document: fast_nquads(d)),
            ("fast to_quads (structured)", lambda d=document: fast_quads(d)),
            ("pyld toRDF + oxigraph RDFC", lambda d=document: canonicalize(pyld_nquads(d))),
            ("fast + oxigraph RDFC", lambda d=document: canonicalize(fast_nquads(d))),
            (
                "to_nquads + cfx RDFC-1.0",
                lambda d=document: canonicalize_nquads(fast_nquads(d)),
            ),
            (
                "to_quads + cfx RDFC-1.0",
                lambda d=document: canonicalize_quads(fast_quads(d)),
            ),
        ]
        rates = [ops_per_second(work, args.seconds) for _, work in rows]
        for index, ((label, _), rate) in enumerate(zip(rows, rates, strict=True)):
            ratio = f"{rate / rates[index - 1]:.1f}x" if index % 2 else ""
            figures = f"{rate:>9,.0f} {1e3 / rate:>7.3f} {ratio:>6}"
            print(f"{name:<{width}} {quads:>5} {label:<26} {figures}")
            record("fast_rdf", f"{name}: {label}", rate, "ops/s")


if __name__ == "__main__":
    main()
