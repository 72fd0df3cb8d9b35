"""Loaders for the data files shipped with the package: JSON-LD contexts, JSON Schemas, rules.

Everything is read from the package directory, never fetched (style-and-security J1, J6). Contexts
are checked against the sha256 pinned in the manifest before use. Results are cached: each file is
read and each validator compiled once per process.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource

from schemas.datetimes import is_date, is_date_time
from schemas.errors import BundledResourceError, UnknownKindError
from schemas.paths import CONTEXTS_DIR, CONTEXTS_MANIFEST, PACKAGE_DIR

JSONSCHEMA_DIR = PACKAGE_DIR / "jsonschema"
RULES_DIR = PACKAGE_DIR / "rules"
EXAMPLES_DIR = PACKAGE_DIR / "examples"

#: The URL of cfx's own context, version 1. `w3id.org/cfx/...` is a name, never dereferenced: the
#: bytes come from `contexts/cfx/v1.jsonld`, pinned in the manifest. A new version gets a new URL.
CFX_CONTEXT_V1 = "https://w3id.org/cfx/v1"
VC_CONTEXT_V2 = "https://www.w3.org/ns/credentials/v2"
SCHEMA_BASE = "https://w3id.org/cfx/schemas/v1/"

#: Dataset kind -> JSON Schema file describing its credentialSubject.
KIND_SCHEMAS: dict[str, str] = {
    "ProductFootprint": "product-footprint.schema.json",
    "EmissionFactor": "emission-factor.schema.json",
    "AccountingRule": "accounting-rule.schema.json",
    "Attestation": "attestation.schema.json",
    "StatusUpdate": "status-update.schema.json",
}
CREDENTIAL_SCHEMA = "credential.schema.json"


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise BundledResourceError(f"cannot read bundled file {path.name}: {exc}") from None


@cache
def context_manifest() -> tuple[tuple[str, Path, str], ...]:
    """(url, file, sha256) for every pinned context."""
    manifest = _read_json(CONTEXTS_MANIFEST)
    return tuple(
        (entry["url"], CONTEXTS_DIR / entry["file"], entry["sha256"])
        for entry in manifest["contexts"]
    )


@cache
def context_documents() -> dict[str, Any]:
    """url -> parsed context document, each verified against its pinned sha256."""
    documents: dict[str, Any] = {}
    for url, path, pinned in context_manifest():
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise BundledResourceError(f"context {url}: {exc}") from None
        if hashlib.sha256(raw).hexdigest() != pinned:
            raise BundledResourceError(f"context {url}: bytes do not match the pinned sha256")
        documents[url] = json.loads(raw)
    return documents


def load_context(url: str) -> Any:
    """The pinned context document for `url`; BundledResourceError if the URL is not pinned."""
    try:
        return context_documents()[url]
    except KeyError:
        raise BundledResourceError(f"no pinned context for {url}") from None


@cache
def load_schema(name: str) -> Any:
    """A bundled JSON Schema by file name, e.g. "product-footprint.schema.json"."""
    return _read_json(JSONSCHEMA_DIR / name)


def _refuse_retrieval(uri: str) -> Resource[Any]:
    # J6: every $ref resolves inside the bundled registry; anything else is an error, not a fetch.
    raise NoSuchResource(uri)


@cache
def schema_registry() -> Registry[Any]:
    """A registry of the bundled schemas keyed by `$id`; any other `$ref` target is refused (J6)."""
    resources = []
    for path in sorted(JSONSCHEMA_DIR.glob("*.schema.json")):
        contents = load_schema(path.name)
        resources.append((contents["$id"], Resource.from_contents(contents)))
    registry: Registry[Any] = Registry(retrieve=_refuse_retrieval)  # type: ignore[call-arg]
    return registry.with_resources(resources).crawl()


@cache
def format_checker() -> FormatChecker:
    """A FormatChecker with only the formats cfx relies on, checked strictly (RFC 3339)."""
    checker = FormatChecker(formats=())
    checker.checks("date-time")(is_date_time)
    checker.checks("date")(is_date)
    return checker


@cache
def validator(schema_name: str) -> Draft202012Validator:
    """The compiled validator for a bundled schema file (compiled once per process)."""
    schema = load_schema(schema_name)
    return Draft202012Validator(schema, registry=schema_registry(), format_checker=format_checker())


def kind_validator(kind: str) -> Draft202012Validator:
    """The validator for a dataset kind (credentialSubject.type); UnknownKindError if none."""
    try:
        return validator(KIND_SCHEMAS[kind])
    except KeyError:
        raise UnknownKindError(f"unknown dataset kind {kind!r}") from None


@cache
def bundled_rule_credentials() -> dict[str, Any]:
    """File stem -> AccountingRule credential for every rule in `rules/`."""
    return {path.stem: _read_json(path) for path in sorted(RULES_DIR.glob("*.json"))}


@cache
def bundled_rules() -> dict[str, Any]:
    """Rule id -> AccountingRule dataset (credentialSubject) for the rules shipped with cfx."""
    return {
        cred["credentialSubject"]["id"]: cred["credentialSubject"]
        for cred in bundled_rule_credentials().values()
    }
