"""Canonicalization throughput: reference (pure Python RDFC-1.0) vs fast (pyoxigraph) path.

Run: .venv/bin/python bench/canon.py
Prints canonicalizations/s for a credential-shaped dataset (65 quads, 7 blank nodes, shaped like
the PACT product-footprint credential of signing.md §3) on both paths and on pyld's URDNA2015
(the baseline: what the recipe in signing.md uses), plus cfx's canonicalizer fed structured quads
(`canonicalize_quads`, what verification runs after `signing.fast_rdf.to_quads`: no N-Quads
parsing), the ratios, and how long each path takes to refuse the W3C poison clique test074.
Every figure is measured in this run.
"""

from __future__ import annotations

import runpy
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pyld import jsonld  # noqa: E402

from signing.canon import (  # noqa: E402
    DEFAULT_LIMITS,
    CanonicalizationLimitError,
    canonicalize_nquads,
    canonicalize_quads,
)
from signing.canon.nquads import parse_nquads  # noqa: E402

record = runpy.run_path(str(Path(__file__).with_name("results.py")))["record"]

TEST074 = ROOT / "tests" / "vectors" / "rdf-canon" / "tests" / "rdfc10" / "test074-in.nq"

XSD = "http://www.w3.org/2001/XMLSchema#"
VOCAB = "https://vocab.example.org/pcf#"
CRED = "https://www.w3.org/2018/credentials#"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"


def credential_nquads() -> str:
    """A PACT-shaped footprint credential as pyld's toRdf would emit it: 65 quads, 6 blank nodes."""
    lines: list[str] = []

    def add(s: str, p: str, o: str, g: str = "") -> None:
        lines.append(f"{s} {p} {o}{' ' + g if g else ''} .")

    def lit(value: str, datatype: str = "string") -> str:
        return f'"{value}"' if datatype == "string" else f'"{value}"^^<{XSD}{datatype}>'

    cred = "<urn:uuid:3c1a2b5e-8a8f-4b70-9d0c-2f1f3f4a9b10>"
    graph = "_:proofs"
    add(cred, RDF_TYPE, f"<{CRED}VerifiableCredential>")
    add(cred, RDF_TYPE, f"<{VOCAB}ProductFootprintCredential>")
    add(cred, f"<{CRED}issuer>", "<did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2>")
    add(cred, f"<{CRED}validFrom>", lit("2026-01-01T00:00:00Z", "dateTime"))
    add(cred, f"<{CRED}credentialSubject>", "_:subject")
    add(cred, f"<{CRED}proof>", graph)
    subject = "_:subject"
    add(subject, RDF_TYPE, f"<{VOCAB}ProductFootprint>")
    for index, name in enumerate(
        (
            "specVersion",
            "version",
            "status",
            "companyName",
            "productDescription",
            "productCategoryCpc",
            "productNameCompany",
            "comment",
            "declaredUnit",
            "unitaryProductAmount",
            "functionalUnit",
            "systemBoundary",
            "standard",
            "geographyCountry",
            "geographyRegion",
            "accountingRuleId",
            "criticalReview",
            "partialCfp",
        )
    ):
        add(subject, f"<{VOCAB}{name}>", lit(f"{name}-value-{index}"))
    add(subject, f"<{VOCAB}companyIds>", "<urn:pathfinder:company:customcode:buyer-assigned:4321>")
    add(subject, f"<{VOCAB}productIds>", "<urn:gtin:4712345060507>")
    add(subject, f"<{VOCAB}created>", lit("2026-01-02T00:00:00Z", "dateTime"))
    add(subject, f"<{VOCAB}pcf>", "_:pcf")
    pcf = "_:pcf"
    for name, value in (
        ("pCfExcludingBiogenic", "1.63"),
        ("pCfIncludingBiogenic", "1.85"),
        ("fossilGhgEmissions", "1.5"),
        ("fossilCarbonContent", "0.2"),
        ("biogenicCarbonContent", "0.0"),
        ("characterizationFactors", "AR6"),
        ("ipccCharacterizationFactorsSources", "AR6"),
        ("crossSectoralStandardsUsed", "ISO14067"),
        ("boundaryProcessesDescription", "cradle to gate"),
        ("exemptedEmissionsPercent", "1.2"),
        ("referencePeriodStart", "2025-01-01T00:00:00Z"),
        ("referencePeriodEnd", "2026-01-01T00:00:00Z"),
        ("packagingEmissionsIncluded", "true"),
        ("primaryDataShare", "56.12"),
    ):
        add(pcf, f"<{VOCAB}{name}>", lit(value, "decimal" if value[0].isdigit() else "string"))
    add(pcf, f"<{VOCAB}dqi>", "_:dqi")
    add(pcf, f"<{VOCAB}assurance>", "_:assurance")
    add(pcf, f"<{VOCAB}electricity>", "_:electricity")
    for name, value in (
        ("coveragePercent", "78.0"),
        ("technologicalDQR", "2.0"),
        ("temporalDQR", "2.0"),
        ("geographicalDQR", "2.0"),
        ("completenessDQR", "2.0"),
        ("reliabilityDQR", "2.0"),
    ):
        add("_:dqi", f"<{VOCAB}{name}>", lit(value, "decimal"))
    for name, value in (
        ("assurance", "true"),
        ("coverage", "product line"),
        ("level", "limited"),
        ("boundary", "Gate-to-Gate"),
        ("providerName", "My Auditor"),
    ):
        add("_:assurance", f"<{VOCAB}{name}>", lit(value))
    for name, value in (
        ("gridFactorKind", "lifecycle"),
        ("gridRegion", "CN-SC"),
        ("gridYear", "2024"),
        ("gridFactor", "0.1031"),
        ("gecCertificateId", "12345678901234567890123456789012"),
        ("gecMWh", "120.5"),
    ):
        add("_:electricity", f"<{VOCAB}{name}>", lit(value))
    add("_:proof", RDF_TYPE, "<https://w3id.org/security#DataIntegrityProof>", graph)
    add("_:proof", "<https://w3id.org/security#cryptosuite>", lit("eddsa-rdfc-2022"), graph)
    return "\n".join(lines) + "\n"


def rate(function: Callable[[], object], seconds: float = 1.5) -> tuple[float, float]:
    """(operations per second over `seconds`, median ms of single calls) after a warm-up."""
    for _ in range(20):
        function()
    samples = []
    for _ in range(200):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    count = 0
    start = time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        function()
        count += 1
    return count / elapsed, statistics.median(samples) * 1000


def refusal_ms(source: str, path: str) -> float:
    quads = parse_nquads(source, DEFAULT_LIMITS)
    start = time.perf_counter()
    try:
        if path == "structured":
            canonicalize_quads(quads)
        else:
            canonicalize_nquads(source, use_pyoxigraph=path == "pyoxigraph")
    except CanonicalizationLimitError:
        return (time.perf_counter() - start) * 1000
    msg = "test074 was not refused"
    raise AssertionError(msg)


PYLD_OPTIONS = {
    "algorithm": "URDNA2015",
    "inputFormat": "application/n-quads",
    "format": "application/n-quads",
}


def main() -> None:
    source = credential_nquads()
    quads = source.count("\n")
    blanks = len({t for t in source.split() if t.startswith("_:")})
    reference = canonicalize_nquads(source, use_pyoxigraph=False)
    assert canonicalize_nquads(source, use_pyoxigraph=True) == reference, "paths disagree"
    assert jsonld.normalize(source, PYLD_OPTIONS) == reference, "pyld disagrees"
    parsed = parse_nquads(source, DEFAULT_LIMITS)
    assert canonicalize_quads(parsed) == reference, "structured path disagrees"
    rows = [
        ("pyld 3.3 URDNA2015 (baseline)", lambda: jsonld.normalize(source, PYLD_OPTIONS)),
        ("cfx reference (fast=False)", lambda: canonicalize_nquads(source, use_pyoxigraph=False)),
        ("cfx pyoxigraph (fast=True)", lambda: canonicalize_nquads(source, use_pyoxigraph=True)),
        ("cfx reference, quads in", lambda: canonicalize_quads(parsed)),
    ]
    print(
        f"credential-shaped dataset: {quads} quads, {blanks} blank nodes, SHA-256, N-Quads in/out"
    )
    print(f"{'path':<32}{'canon/s':>9}{'median ms':>11}{'vs pyld':>9}{'vs reference':>14}")
    measured = [(label, *rate(function)) for label, function in rows]
    base_rate, ref_rate = measured[0][1], measured[1][1]
    for label, ops, median in measured:
        record("canon", label, ops, "canon/s", note=f"{ops / base_rate:.2f}x pyld")
        print(
            f"{label:<32}{ops:>9.0f}{median:>11.3f}{ops / base_rate:>8.2f}x{ops / ref_rate:>13.2f}x"
        )
    print()
    print("refusing W3C test074 (10-node blank-node clique) with the default CanonLimits:")
    poison = TEST074.read_text("utf-8")
    for label in ("reference", "pyoxigraph", "structured"):
        runs = [refusal_ms(poison, label) for _ in range(5)]
        print(f"  {label:<10} median {statistics.median(runs):7.1f} ms  max {max(runs):7.1f} ms")


if __name__ == "__main__":
    main()
