"""The documents the fast JSON-LD path is tested on: the test PCF credential and its mutations.

FALL_BACK_CASES are the features the compiled fast path does not model: on the default path each
falls back to pyld (None), and in FAST_PATH_ONLY mode each is a refusal with a JSON pointer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.helpers.rdf_compare import DATA, VC_V2

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"

Mutation = Callable[[dict[str, Any]], None]


def pcf_credential() -> dict[str, Any]:
    """A fresh copy of tests/data/fast_rdf/pcf-credential.json."""
    document = json.loads((DATA / "pcf-credential.json").read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


#: (label, mutation of pcf_credential()) for every feature outside the fast path.
FALL_BACK_CASES: list[tuple[str, Mutation]] = [
    (
        "inline context on the subject",
        lambda d: d["credentialSubject"].update({"@context": {"x": "ex:x"}}),
    ),
    (
        "inline root context",
        lambda d: d.update({"@context": [VC_V2, {"x": "https://x.example/x"}]}),
    ),
    (
        "context URL the loader refuses",
        lambda d: d.update({"@context": [VC_V2, "https://evil.example/ctx"]}),
    ),
    ("relative context URL", lambda d: d.update({"@context": [VC_V2, "ctx.jsonld"]})),
    (
        "undefined term, no @vocab",
        lambda d: d["credentialSubject"].update({"undefinedTerm": "x"}),
    ),
    ("undefined term at the root", lambda d: d.update({"rootOnly": "x"})),
    ("relative @id", lambda d: d["credentialSubject"].update({"id": "relative/path"})),
    (
        "relative IRI in @id-coerced value",
        lambda d: d["credentialSubject"].update({"factorId": "../f"}),
    ),
    ("relative type", lambda d: d.update({"type": ["VerifiableCredential", "NotATerm"]})),
    (
        "IRI under pyld's default base",
        lambda d: d["credentialSubject"].update({"id": "http://example.org/base/x"}),
    ),
    ("keyword-like @id", lambda d: d["credentialSubject"].update({"id": "@nothing"})),
    ("blank node type", lambda d: d.update({"type": ["VerifiableCredential", "_:t"]})),
    (
        "IRI with a space",
        lambda d: d["credentialSubject"].update({"factorId": "https://x.example/a b"}),
    ),
    (
        "IRI with an angle bracket",
        lambda d: d["credentialSubject"].update({"factorId": "https://x.example/a>"}),
    ),
    (
        "two @json values for one property of one node",
        lambda d: d["credentialSubject"].update(
            {
                "pcf": [
                    {"id": "urn:n:1", "blob": {"a": True}},
                    {"id": "urn:n:1", "blob": {"a": 1}},
                ]
            }
        ),
    ),
    (
        "reverse term",
        lambda d: d["credentialSubject"].update({"madeBy": {"id": "urn:maker:1"}}),
    ),
    (
        "language map",
        lambda d: d["credentialSubject"].update({"titles": {"en": "t", "zh": "标题"}}),
    ),
    ("@nest", lambda d: d["credentialSubject"].update({"meta": {"comment": "nested"}})),
    (
        "@reverse keyword",
        lambda d: d["credentialSubject"].update({"@reverse": {"ex:makes": {"id": "urn:x:y"}}}),
    ),
    ("@included", lambda d: d.update({"@included": [{"id": "urn:x:y", "type": "Note"}]})),
    (
        "@graph keyword",
        lambda d: d["credentialSubject"].update({"@graph": [{"id": "urn:x:y"}]}),
    ),
    (
        "explicit @list object",
        lambda d: d["credentialSubject"].update({"stages": {"@list": ["a"]}}),
    ),
    (
        "explicit @set object",
        lambda d: d["credentialSubject"].update({"stages": {"@set": ["a"]}}),
    ),
    ("list of lists", lambda d: d["credentialSubject"].update({"stages": [["a"], ["b"]]})),
    (
        "@index on a value",
        lambda d: d["credentialSubject"].update({"comment": {"@value": "x", "@index": "i"}}),
    ),
    (
        "@direction",
        lambda d: d["credentialSubject"].update({"comment": {"@value": "x", "@direction": "rtl"}}),
    ),
    (
        "@language and @type together",
        lambda d: d["credentialSubject"].update(
            {"comment": {"@value": "x", "@language": "en", "@type": "xsd:string"}}
        ),
    ),
    (
        "@language on a number",
        lambda d: d["credentialSubject"].update({"comment": {"@value": 1, "@language": "en"}}),
    ),
    (
        "@value that is an object",
        lambda d: d["credentialSubject"].update({"comment": {"@value": {"a": 1}}}),
    ),
    (
        "value object with a property",
        lambda d: d["credentialSubject"].update({"comment": {"@value": "x", "comment": "y"}}),
    ),
    (
        "relative value-object type",
        lambda d: d["credentialSubject"].update({"comment": {"@value": "x", "@type": "rel"}}),
    ),
    (
        "@json value type",
        lambda d: d["credentialSubject"].update({"comment": {"@value": [1], "@type": "@json"}}),
    ),
    (
        "invalid language tag",
        lambda d: d["credentialSubject"].update({"comment": {"@value": "x", "@language": "en us"}}),
    ),
    (
        "colliding keywords",
        lambda d: d["credentialSubject"].update({"@id": "urn:a:1", "id": "urn:a:2"}),
    ),
    ("two @type entries", lambda d: d["credentialSubject"].update({"@type": "Note"})),
    ("@id that is a number", lambda d: d["credentialSubject"].update({"id": 5})),
    ("@type that is a number", lambda d: d["credentialSubject"].update({"type": 5})),
    (
        "literal inside the proof graph container",
        lambda d: d["credentialSubject"].update({"attachments": 5}),
    ),
    ("non-JSON Python value", lambda d: d["credentialSubject"].update({"comment": {1, 2}})),
    ("lone surrogate", lambda d: d["credentialSubject"].update({"comment": "\ud800"})),
    (
        "lone surrogate in a language literal",
        lambda d: d["credentialSubject"].update(
            {"comment": {"@value": "a\udfffb", "@language": "en"}}
        ),
    ),
    ("lone surrogate in an @id", lambda d: d["credentialSubject"].update({"id": "urn:\ud800"})),
    # `$` in a regex also matches before a final newline: an IRI or language tag ending in
    # one must not pass as N-Quads-safe (its text form would not even parse).
    ("@id ending in a newline", lambda d: d["credentialSubject"].update({"id": "urn:x:1\n"})),
    (
        "language tag ending in a newline",
        lambda d: d["credentialSubject"].update({"comment": {"@value": "x", "@language": "en\n"}}),
    ),
    ("infinite float", lambda d: d["credentialSubject"].update({"count": float("inf")})),
    (
        "rdf:langString datatype without a language",
        lambda d: d["credentialSubject"].update(
            {"comment": {"@value": "x", "@type": f"{RDF}langString"}}
        ),
    ),
    (
        "xsd:double string that parses as infinity",
        lambda d: d["credentialSubject"].update({"ratio": "INFINITY"}),
    ),
    ("unknown keyword-like key", lambda d: d["credentialSubject"].update({"@foo": "x"})),
]
