"""Fuzz target 1: arbitrary bytes through the node's own intake checks, as SubmitDataset runs them.

strict JSON parse -> envelope (VC shape, pinned contexts, kind, issuer, id) -> schemas.validate
(JSON Schema, profiles, accounting rules) -> the facets the store indexes. Validation runs even
when the envelope refuses, since `schemas.validate` promises a list of violations for any object.
The node is a real one (`cfx init` layout, SQLite store) in a temporary directory.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import atheris

from common import EXPECTED, MAX_INPUT_BYTES, expect, json_mutator

with atheris.instrument_imports(include=["gateway", "signing", "schemas"]):
    import schemas
    from gateway.app import open_node
    from gateway.node import NodeRole, init_node

_ROOT = Path(tempfile.mkdtemp(prefix="cfx-fuzz-node-"))
_NODE = open_node(init_node(_ROOT / "node", role=NodeRole.NATIONAL, org="national").root)
_INTAKE = _NODE.intake


def one_input(data: bytes) -> None:
    if len(data) > MAX_INPUT_BYTES:
        return
    document = expect(lambda: _INTAKE.parse(data))
    if not isinstance(document, dict):
        return
    # The strict parser accepts a subset of what the standard library accepts, never more.
    json.loads(data)
    expect(lambda: _INTAKE.envelope(document))
    schemas.detect_kind(document)
    violations = expect(lambda: _INTAKE.violations(document))
    if violations == ():
        expect(lambda: schemas.index_facets(document))


def main() -> None:
    assert EXPECTED  # the roots are imported, instrumented, before fuzzing starts
    atheris.Setup(sys.argv, one_input, custom_mutator=json_mutator(structural_share=0.5))
    atheris.Fuzz()


if __name__ == "__main__":
    main()
