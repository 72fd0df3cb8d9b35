"""A small compiler from the bundled JSON Schemas to Python closures that emit `Violation`s.

Why: `jsonschema` walks the schema for every instance (~2.5 ms for a product footprint); the
intake path needs well over 5,000 validations/s. This compiler handles exactly the keywords the
bundled schemas use, refuses any other keyword at compile time (so nothing is silently ignored),
and is differential-tested against `jsonschema` on every example
(tests/unit/schemas/test_compiled.py): same (pointer, reason) pairs. `jsonschema` stays the
reference and the benchmark baseline.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from functools import cache
from typing import Any
from urllib.parse import urldefrag, urljoin

from schemas import pointer, resources
from schemas.datetimes import is_date, is_date_time
from schemas.decimals import DECIMAL_RE
from schemas.errors import BundledResourceError
from schemas.violations import Violation

# Where an instance sits: the base pointer, or (parent location, key or index). Built as cheap
# tuples while descending and rendered to an RFC 6901 string only when a violation is reported.
Location = str | tuple[Any, str | int]
# (instance, its location, sink)
Check = Callable[[Any, Location, list[Violation]], None]


def render(at: Location) -> str:
    """`at` as an RFC 6901 pointer string; only called when a violation is reported."""
    tokens: list[str | int] = []
    while isinstance(at, tuple):
        at, token = at
        tokens.append(token)
    return pointer.join(at, *reversed(tokens))


_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$comment", "$defs", "title", "description", "default", "examples"}
)
_SUPPORTED = frozenset(
    {
        "$ref", "type", "enum", "const", "pattern", "format", "minLength", "maxLength",
        "minimum", "maximum", "required", "properties", "additionalProperties", "items",
        "prefixItems", "minItems", "maxItems", "uniqueItems", "if", "then", "else", "allOf",
        "anyOf",
    }
)  # fmt: skip
_FORMATS: dict[str, Callable[[object], bool]] = {"date-time": is_date_time, "date": is_date}
_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool))
        or (isinstance(v, float) and v.is_integer())
    ),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
}


def _canonical(value: Any) -> str:
    """JSON equality as a string: keeps true != 1 and makes 1 == 1.0 (JSON Schema equality)."""

    def normal(item: Any) -> Any:
        if isinstance(item, float) and item.is_integer():
            return int(item)
        if isinstance(item, dict):
            return {key: normal(val) for key, val in item.items()}
        if isinstance(item, list):
            return [normal(val) for val in item]
        return item

    return json.dumps(normal(value), sort_keys=True)


def _all_distinct(items: list[Any]) -> bool:
    if all(isinstance(item, str) for item in items):
        return len(set(items)) == len(items)
    return len({_canonical(item) for item in items}) == len(items)


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class SchemaCompiler:
    """Compiles schemas from a set of documents keyed by `$id` (no retrieval, J6)."""

    def __init__(self, documents: dict[str, Any]) -> None:
        self._documents = documents
        self._compiled: dict[str, Check] = {}

    def compile(self, uri: str) -> Check:
        """The check for the (sub)schema at absolute `uri` (document URL + optional #pointer)."""
        if uri in self._compiled:
            return self._compiled[uri]
        cell: list[Check] = []

        def deferred(value: Any, at: Location, out: list[Violation]) -> None:
            cell[0](value, at, out)

        self._compiled[uri] = deferred  # lets a schema refer to itself
        document_uri, fragment = urldefrag(uri)
        try:
            document = self._documents[document_uri]
        except KeyError:
            raise BundledResourceError(f"$ref to unknown schema {document_uri}") from None
        found, schema = pointer.resolve(document, fragment)
        if not found:
            raise BundledResourceError(f"$ref to missing location {uri}")
        check = self._schema(schema, document_uri)
        cell.append(check)
        self._compiled[uri] = check
        return check

    def _schema(self, schema: Any, base: str) -> Check:
        if not isinstance(schema, dict):
            raise BundledResourceError(f"schema in {base} is not an object")
        unknown = set(schema) - _SUPPORTED - _ANNOTATIONS
        unknown = {key for key in unknown if not key.startswith("x-cfx-")}
        if unknown:
            raise BundledResourceError(f"unsupported JSON Schema keywords {sorted(unknown)}")
        if schema.get("type") == "string" and set(schema) <= _STRING_KEYWORDS:
            return _build_string(schema)
        checks: list[Check] = []
        for keys, builder in _GROUPS:
            if any(key in schema for key in keys):
                checks.extend(builder(self, schema, base))
        if not checks:
            return _accept
        if len(checks) == 1:
            return checks[0]

        def run_all(value: Any, at: Location, out: list[Violation]) -> None:
            for check in checks:
                check(value, at, out)

        return run_all

    def sub(self, schema: Any, base: str) -> Check:
        """The check for an inline subschema found under `base`."""
        return self._schema(schema, base)

    def ref(self, target: str, base: str) -> Check:
        """The check for a `$ref` to `target`, resolved against `base` (RFC 3986 §5)."""
        return self.compile(urljoin(base, target))


_STRING_KEYWORDS = _ANNOTATIONS | {
    "type", "pattern", "format", "minLength", "maxLength", "enum", "x-cfx-reason", "x-cfx-decimal",
}  # fmt: skip


def _build_string(schema: dict[str, Any]) -> Check:
    """All keywords of a string schema in one closure: the hot path (every decimal, id, date)."""
    low = schema.get("minLength")
    high = schema.get("maxLength")
    search = re.compile(schema["pattern"]).search if "pattern" in schema else None
    fmt = _FORMATS.get(schema.get("format", ""))
    if "format" in schema and fmt is None:
        raise BundledResourceError(f"unsupported format {schema['format']!r}")
    members = frozenset(schema["enum"]) if "enum" in schema else None
    if members is not None and not all(isinstance(item, str) for item in members):
        raise BundledResourceError("a string schema's enum must list strings")
    reason = schema.get("x-cfx-reason")
    decimal = bool(schema.get("x-cfx-decimal"))
    form = _required_form(schema)
    listing = ", ".join(sorted(members))[:200] if members is not None else ""

    def check(value: Any, at: Location, out: list[Violation]) -> None:
        if not isinstance(value, str):
            is_number = isinstance(value, int | float) and not isinstance(value, bool)
            why = "DECIMAL_NOT_A_STRING" if decimal and is_number else "WRONG_TYPE"
            out.append(Violation(render(at), why, f"{_describe(value)} is not of type string"))
            if members is not None:  # JSON Schema reports enum as well: no non-string is a member
                out.append(
                    Violation(render(at), reason or "NOT_ALLOWED_VALUE", f"one of: {listing}")
                )
            return
        if members is not None and value not in members:
            out.append(
                Violation(
                    render(at),
                    reason or "NOT_ALLOWED_VALUE",
                    f"{_describe(value)} is not one of: {listing}",
                )
            )
        if low is not None and len(value) < low:
            out.append(Violation(render(at), "EMPTY_VALUE", f"needs at least {low} characters"))
        if high is not None and len(value) > high:
            out.append(Violation(render(at), "TOO_LONG", f"longer than {high} characters"))
        if search is not None and search(value) is None:
            why = reason or "INVALID_FORMAT"
            if decimal and DECIMAL_RE.fullmatch(value) is None:
                why = "INVALID_DECIMAL"
            out.append(Violation(render(at), why, f"{_describe(value)} {form}"))
        if fmt is not None and not fmt(value):
            out.append(
                Violation(
                    render(at),
                    reason or "INVALID_FORMAT",
                    f"{_describe(value)} is not a valid {schema['format']}",
                )
            )

    return check


_UNKNOWN_FIELD = "{name!r} is not a field of this object (removed, misspelt or misplaced)"


def _accept(value: Any, at: Location, out: list[Violation]) -> None:
    """The empty schema: anything is valid."""


def _required_form(schema: dict[str, Any]) -> str:
    """The pattern failure message; it names the form when the schema describes it (a bare UUID
    as a dataset id must be told that `urn:uuid:` is needed, not just that it is wrong)."""
    description = schema.get("description")
    if isinstance(description, str):
        return f"does not have the required form: {description}"
    return "does not have the required form"


def _reason(schema: dict[str, Any], default: str) -> str:
    reason = schema.get("x-cfx-reason")
    return reason if isinstance(reason, str) else default


def _build_ref(compiler: SchemaCompiler, schema: dict[str, Any], base: str) -> list[Check]:
    return [compiler.ref(schema["$ref"], base)]


_PLAIN_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "object": dict,
    "array": list,
    "boolean": bool,
    "null": type(None),
}


def _type_test(names: list[str]) -> Callable[[Any], bool]:
    if all(name in _PLAIN_TYPES for name in names):
        # bool is an int subclass, but no plain type here is int, so isinstance is exact.
        plain = tuple(_PLAIN_TYPES[name] for name in names)
        return lambda value: isinstance(value, plain)
    tests = [_TYPES[name] for name in names]
    return lambda value: any(test(value) for test in tests)


def _build_type(_: SchemaCompiler, schema: dict[str, Any], __: str) -> list[Check]:
    names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    test = _type_test(names)
    decimal = bool(schema.get("x-cfx-decimal"))
    wanted = " or ".join(names)

    def check(value: Any, at: Location, out: list[Violation]) -> None:
        if not test(value):
            is_number = isinstance(value, int | float) and not isinstance(value, bool)
            reason = "DECIMAL_NOT_A_STRING" if decimal and is_number else "WRONG_TYPE"
            out.append(Violation(render(at), reason, f"{_describe(value)} is not of type {wanted}"))

    return [check]


def _build_enum(_: SchemaCompiler, schema: dict[str, Any], __: str) -> list[Check]:
    members = schema["enum"]
    reason = _reason(schema, "NOT_ALLOWED_VALUE")
    listing = ", ".join(map(str, members))[:200]
    if all(isinstance(item, str) for item in members):
        strings = frozenset(members)  # fast path: only a str can equal a str in JSON

        def is_member(value: Any) -> bool:
            return isinstance(value, str) and value in strings
    else:
        canonical = {_canonical(item) for item in members}

        def is_member(value: Any) -> bool:
            return _canonical(value) in canonical

    def check(value: Any, at: Location, out: list[Violation]) -> None:
        if not is_member(value):
            out.append(
                Violation(render(at), reason, f"{_describe(value)} is not one of: {listing}")
            )

    return [check]


def _build_const(_: SchemaCompiler, schema: dict[str, Any], __: str) -> list[Check]:
    constant = schema["const"]
    reason = _reason(schema, "NOT_ALLOWED_VALUE")
    if isinstance(constant, str):

        def matches(value: Any) -> bool:
            return isinstance(value, str) and value == constant
    else:
        expected = _canonical(constant)

        def matches(value: Any) -> bool:
            return _canonical(value) == expected

    def check(value: Any, at: Location, out: list[Violation]) -> None:
        if not matches(value):
            out.append(Violation(render(at), reason, f"{_describe(value)} must be {constant!r}"))

    return [check]


def _build_pattern(_: SchemaCompiler, schema: dict[str, Any], __: str) -> list[Check]:
    search = re.compile(schema["pattern"]).search  # JSON Schema patterns are unanchored searches
    reason = _reason(schema, "INVALID_FORMAT")
    decimal = bool(schema.get("x-cfx-decimal"))
    form = _required_form(schema)

    def check(value: Any, at: Location, out: list[Violation]) -> None:
        if isinstance(value, str) and search(value) is None:
            why = reason
            if decimal and DECIMAL_RE.fullmatch(value) is None:
                why = "INVALID_DECIMAL"
            out.append(Violation(render(at), why, f"{_describe(value)} {form}"))

    return [check]


def _build_format(_: SchemaCompiler, schema: dict[str, Any], __: str) -> list[Check]:
    test = _FORMATS.get(schema["format"])
    if test is None:
        raise BundledResourceError(f"unsupported format {schema['format']!r}")
    reason = _reason(schema, "INVALID_FORMAT")
    name = schema["format"]

    def check(value: Any, at: Location, out: list[Violation]) -> None:
        if not test(value):
            out.append(Violation(render(at), reason, f"{_describe(value)} is not a valid {name}"))

    return [check]


def _build_length(_: SchemaCompiler, schema: dict[str, Any], __: str) -> list[Check]:
    low, high = schema.get("minLength"), schema.get("maxLength")
    checks: list[Check] = []
    if low is not None:

        def too_short(value: Any, at: Location, out: list[Violation]) -> None:
            if isinstance(value, str) and len(value) < low:
                out.append(Violation(render(at), "EMPTY_VALUE", f"needs at least {low} characters"))

        checks.append(too_short)
    if high is not None:

        def too_long(value: Any, at: Location, out: list[Violation]) -> None:
            if isinstance(value, str) and len(value) > high:
                out.append(Violation(render(at), "TOO_LONG", f"longer than {high} characters"))

        checks.append(too_long)
    return checks


def _build_bounds(_: SchemaCompiler, schema: dict[str, Any], __: str) -> list[Check]:
    low, high = schema.get("minimum"), schema.get("maximum")
    reason = _reason(schema, "OUT_OF_RANGE")

    def check(value: Any, at: Location, out: list[Violation]) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return
        if (low is not None and value < low) or (high is not None and value > high):
            out.append(Violation(render(at), reason, f"{value} is outside {low}..{high}"))

    return [check]


def _build_object(compiler: SchemaCompiler, schema: dict[str, Any], base: str) -> list[Check]:
    required = tuple(schema.get("required", ()))
    properties = {
        name: compiler.sub(sub, base) for name, sub in schema.get("properties", {}).items()
    }
    closed = schema.get("additionalProperties") is False
    if "additionalProperties" in schema and not isinstance(schema["additionalProperties"], bool):
        raise BundledResourceError("additionalProperties must be a boolean in bundled schemas")
    required_set = frozenset(required)
    get = properties.get

    def check(value: Any, at: Location, out: list[Violation]) -> None:
        if not isinstance(value, dict):
            return
        if not required_set <= value.keys():
            out.extend(
                Violation(render((at, name)), "MISSING_REQUIRED_FIELD", f"{name!r} is required")
                for name in required
                if name not in value
            )
        # One pass over the members present: check known ones, report unknown ones (closed).
        for name, member in value.items():
            sub = get(name)
            if sub is not None:
                sub(member, (at, name), out)
            elif closed:
                out.append(
                    Violation(render((at, name)), "UNKNOWN_FIELD", _UNKNOWN_FIELD.format(name=name))
                )

    return [check]


def _build_array(compiler: SchemaCompiler, schema: dict[str, Any], base: str) -> list[Check]:
    prefix = [compiler.sub(sub, base) for sub in schema.get("prefixItems", ())]
    rest = compiler.sub(schema["items"], base) if "items" in schema else None
    low, high = schema.get("minItems"), schema.get("maxItems")
    count_reason = schema.get("x-cfx-reason")
    unique = schema.get("uniqueItems") is True

    def check(value: Any, at: Location, out: list[Violation]) -> None:
        if not isinstance(value, list):
            return
        for index, item in enumerate(value):
            if index < len(prefix):
                prefix[index](item, (at, index), out)
            elif rest is not None:
                rest(item, (at, index), out)
        if low is not None and len(value) < low:
            out.append(
                Violation(render(at), count_reason or "TOO_FEW_ITEMS", f"needs {low}+ items")
            )
        if high is not None and len(value) > high:
            out.append(
                Violation(render(at), count_reason or "TOO_MANY_ITEMS", f"allows {high} items")
            )
        if unique and not _all_distinct(value):
            out.append(Violation(render(at), "DUPLICATE_ITEM", "items must be unique"))

    return [check]


def _build_conditional(compiler: SchemaCompiler, schema: dict[str, Any], base: str) -> list[Check]:
    condition = compiler.sub(schema["if"], base)
    then = compiler.sub(schema["then"], base) if "then" in schema else None
    otherwise = compiler.sub(schema["else"], base) if "else" in schema else None

    def check(value: Any, at: Location, out: list[Violation]) -> None:
        probe: list[Violation] = []
        condition(value, at, probe)
        branch = otherwise if probe else then
        if branch is not None:
            branch(value, at, out)

    return [check]


def _build_all_of(compiler: SchemaCompiler, schema: dict[str, Any], base: str) -> list[Check]:
    return [compiler.sub(sub, base) for sub in schema["allOf"]]


def _build_any_of(compiler: SchemaCompiler, schema: dict[str, Any], base: str) -> list[Check]:
    branches = [compiler.sub(sub, base) for sub in schema["anyOf"]]

    def check(value: Any, at: Location, out: list[Violation]) -> None:
        for branch in branches:
            probe: list[Violation] = []
            branch(value, at, probe)
            if not probe:
                return
        out.append(
            Violation(render(at), "NO_MATCHING_ALTERNATIVE", "matches none of the alternatives")
        )

    return [check]


_Builder = Callable[[SchemaCompiler, dict[str, Any], str], list[Check]]
# One builder per keyword group; any keyword of a group present in a schema triggers it.
_GROUPS: list[tuple[tuple[str, ...], _Builder]] = [
    (("$ref",), _build_ref),
    (("type",), _build_type),
    (("enum",), _build_enum),
    (("const",), _build_const),
    (("pattern",), _build_pattern),
    (("format",), _build_format),
    (("minLength", "maxLength"), _build_length),
    (("minimum", "maximum"), _build_bounds),
    (("required", "properties", "additionalProperties"), _build_object),
    (("prefixItems", "items", "minItems", "maxItems", "uniqueItems"), _build_array),
    (("if",), _build_conditional),
    (("allOf",), _build_all_of),
    (("anyOf",), _build_any_of),
]


@cache
def _compiler() -> SchemaCompiler:
    documents = {}
    for path in sorted(resources.JSONSCHEMA_DIR.glob("*.schema.json")):
        contents = resources.load_schema(path.name)
        documents[contents["$id"]] = contents
    return SchemaCompiler(documents)


# The compiler keeps state while it works (placeholders for recursive references), so two
# threads compiling at once after start can see each other's half-built checks: compile under a
# lock, once per schema; a compiled check is immutable and read without it.
_COMPILE_LOCK = threading.Lock()
_COMPILED: dict[str, Check] = {}


def compiled(schema_name: str) -> Check:
    """The compiled check for a bundled schema file, e.g. "product-footprint.schema.json"."""
    check = _COMPILED.get(schema_name)
    if check is None:
        with _COMPILE_LOCK:
            check = _COMPILED.get(schema_name)
            if check is None:
                check = _compiler().compile(resources.SCHEMA_BASE + schema_name)
                _COMPILED[schema_name] = check
    return check


def violations(schema_name: str, instance: Any, base: str) -> list[Violation]:
    """Every violation of the bundled schema `schema_name` by `instance`, pointing below `base`."""
    out: list[Violation] = []
    compiled(schema_name)(instance, base, out)
    return out
