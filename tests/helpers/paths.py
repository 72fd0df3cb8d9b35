"""Where test material lives, in one place: a test never counts `parents[...]` of its own file."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
# Third-party test suites and vectors, vendored with their licences and provenance notes.
VECTORS = TESTS / "vectors"
RDF_CANON_SUITE = VECTORS / "rdf-canon" / "tests"
# Our own test contexts and documents.
SIGNING_DATA = TESTS / "data" / "signing"
FAST_RDF_DATA = TESTS / "data" / "fast_rdf"
# Digital Bazaar's JavaScript verifier (a Node.js package: `make interop` installs it).
INTEROP = TESTS / "data" / "interop"
# The examples shipped with the schemas package.
SCHEMA_EXAMPLES = ROOT / "schemas" / "examples"
