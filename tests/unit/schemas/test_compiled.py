"""The compiled validators agree with the reference `jsonschema` on every example and on random
mutations of them; both resolve references only inside the bundled schemas (J6)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from referencing.exceptions import Unresolvable

import schemas
from schemas import compiled, resources
from schemas.errors import BundledResourceError
from schemas.schema_errors import schema_violations
from tests.helpers.schemas_data import EXAMPLES, load

ALL_FILES = sorted((EXAMPLES / "valid").glob("*.json")) + sorted(
    (EXAMPLES / "invalid").glob("*.json")
) + sorted(resources.RULES_DIR.glob("*.json"))  # fmt: skip


def _both(schema_name: str, instance: Any, base: str) -> tuple[set[Any], set[Any]]:
    fast = {(v.pointer, v.reason) for v in compiled.violations(schema_name, instance, base)}
    reference = {
        (v.pointer, v.reason)
        for v in schema_violations(resources.validator(schema_name), instance, base)
    }
    return fast, reference


def _pairs(document: dict[str, Any]) -> list[tuple[str, Any, str]]:
    pairs = [(resources.CREDENTIAL_SCHEMA, document, "")]
    kind = schemas.detect_kind(document)
    if kind is not None:
        subject = document["credentialSubject"]
        pairs.append((resources.KIND_SCHEMAS[kind], subject, "/credentialSubject"))
    return pairs


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.name)
def test_compiled_and_reference_validators_agree_on_every_example(path: Path) -> None:
    document = json.loads(path.read_bytes())
    for schema_name, instance, base in _pairs(document):
        fast, reference = _both(schema_name, instance, base)
        assert fast == reference, schema_name


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out.extend(_paths(value, (*prefix, index)))
    return out


BATTERY = load("valid/product-footprint-power-battery-with-gec.json")
BATTERY_PATHS = [p for p in _paths(BATTERY["credentialSubject"]) if p]
REPLACEMENTS = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False, width=32),
    st.sampled_from(["", "0", "-1", "1e3", "abc", "urn:x:y", "2025-13-01T00:00:00Z", " 1"]),
    st.just([]), st.just({}), st.just({"unexpected": 1}),
)  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(BATTERY_PATHS), REPLACEMENTS, st.booleans())
def test_compiled_and_reference_agree_on_mutated_footprints(
    path: tuple[Any, ...], replacement: Any, delete: bool
) -> None:
    document = copy.deepcopy(BATTERY)
    holder: Any = document["credentialSubject"]
    for key in path[:-1]:
        holder = holder[key]
    if delete:
        del holder[path[-1]]
    else:
        holder[path[-1]] = replacement
    subject = document["credentialSubject"]
    fast, reference = _both("product-footprint.schema.json", subject, "/credentialSubject")
    assert fast == reference


def test_compiler_refuses_a_keyword_it_does_not_implement() -> None:
    compiler = compiled.SchemaCompiler(
        {"https://w3id.org/cfx/schemas/v1/x.json": {"type": "string", "multipleOf": 2}}
    )
    with pytest.raises(BundledResourceError, match="multipleOf"):
        compiler.compile("https://w3id.org/cfx/schemas/v1/x.json")


def test_compiler_never_fetches_a_remote_ref() -> None:
    compiler = compiled.SchemaCompiler(
        {"https://w3id.org/cfx/schemas/v1/x.json": {"$ref": "https://attacker.example/s.json"}}
    )
    with pytest.raises(BundledResourceError, match="unknown schema"):
        compiler.compile("https://w3id.org/cfx/schemas/v1/x.json")


def test_reference_registry_never_fetches_a_remote_ref() -> None:
    schema = {"$ref": "https://attacker.example/s.json"}
    validator = Draft202012Validator(schema, registry=resources.schema_registry())
    with pytest.raises(Unresolvable):
        validator.is_valid("anything")


def test_every_bundled_schema_compiles() -> None:
    for path in sorted(resources.JSONSCHEMA_DIR.glob("*.schema.json")):
        assert callable(compiled.compiled(path.name))
        Draft202012Validator.check_schema(resources.load_schema(path.name))


OTHER_KINDS = {
    "EmissionFactor": load("valid/emission-factor-sichuan-electricity-footprint-factor.json"),
    "AccountingRule": load("../rules/power-battery.json"),
    "Attestation": load("valid/attestation-aluminium-footprint-verified.json"),
    "StatusUpdate": load("valid/status-update-deprecate-footprint.json"),
}
OTHER_PATHS = [
    (kind, path) for kind, document in OTHER_KINDS.items() for path in _paths(document) if path
]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(OTHER_PATHS), REPLACEMENTS, st.booleans())
def test_compiled_and_reference_agree_on_mutated_datasets_of_every_other_kind(
    where: tuple[str, tuple[Any, ...]], replacement: Any, delete: bool
) -> None:
    # Mutates the whole credential, so the envelope schema is exercised too.
    kind, path = where
    document = copy.deepcopy(OTHER_KINDS[kind])
    holder: Any = document
    for key in path[:-1]:
        holder = holder[key]
    if delete:
        del holder[path[-1]]
    else:
        holder[path[-1]] = replacement
    fast, reference = _both(resources.CREDENTIAL_SCHEMA, document, "")
    assert fast == reference
    if isinstance(document.get("credentialSubject"), dict):
        subject = document["credentialSubject"]
        fast, reference = _both(resources.KIND_SCHEMAS[kind], subject, "/credentialSubject")
        assert fast == reference
