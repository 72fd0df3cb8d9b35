"""Strict RDF 1.1 N-Quads reader that yields terms already in canonical N-Quads form.

Each term is kept as the exact string RDFC-1.0 writes for it (RDF-CANON §"Canonical N-Quads"):
IRIs as ``<iri>`` with every escape decoded, blank nodes as ``_:label``, literals as
``"lexical"`` plus ``@lang`` or ``^^<datatype>`` (never ``^^xsd:string``), and the default graph as
``""``. The canonical form is injective, so equal strings mean equal RDF terms, and duplicate
statements written with different escapes (W3C test060) merge. The first two characters tell the
kind apart: ``<`` IRI, ``"`` literal, ``_:`` blank node.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from signing.canon.limits import CanonLimits
from signing.errors import CanonicalizationLimitError, NQuadsSyntaxError

#: (subject, predicate, object, graph); graph is "" for the default graph.
Quad = tuple[str, str, str, str]

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

# N-Quads grammar terminals (RDF 1.1 N-Quads §5.3). Lone surrogates never match, so a Python
# string that cannot be encoded as UTF-8 is a syntax error rather than a failure later on.
_HEX = "[0-9A-Fa-f]"
_UCHAR = rf"\\u{_HEX}{{4}}|\\U{_HEX}{{8}}"
_IRIREF = rf"<((?:[^\x00-\x20<>\"{{}}|^`\\\ud800-\udfff]|{_UCHAR})*)>"
_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS_U = _PN_CHARS_BASE + "_:"
_PN_CHARS = _PN_CHARS_U + r"\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_BLANK = rf"_:([{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)"
_STRING = rf"\"((?:[^\"\\\n\r\ud800-\udfff]|\\[tbnrf\"'\\]|{_UCHAR})*)\""
_LANGTAG = r"@([a-zA-Z]+(?:-[a-zA-Z0-9]+)*)"


def _term(name: str, *, literal: bool = False) -> str:
    iri = _IRIREF.replace("((", f"(?P<{name}_iri>(", 1)
    if name == "p":
        return iri
    blank = _BLANK.replace("(", f"(?P<{name}_bn>", 1)
    if not literal:
        return f"(?:{iri}|{blank})"
    string = _STRING.replace("((", f"(?P<{name}_lit>(", 1)
    datatype = _IRIREF.replace("((", f"(?P<{name}_dt>(", 1)
    lang = _LANGTAG.replace("(", f"(?P<{name}_lang>", 1)
    return f"(?:{iri}|{blank}|{string}(?:\\^\\^{datatype}|{lang})?)"


_WS = "[ \t]*"
_STATEMENT = re.compile(
    f"{_WS}{_term('s')}{_WS}{_term('p')}{_WS}{_term('o', literal=True)}"
    f"{_WS}(?:{_term('g')})?{_WS}\\.{_WS}(?:#.*)?"
)
_BLANK_OR_COMMENT = re.compile(f"{_WS}(?:#.*)?")
_LINE_BREAK = re.compile(r"\r\n?|\n")
_ESCAPE = re.compile(rf"\\(?:(?P<echar>[tbnrf\"'\\])|u(?P<u4>{_HEX}{{4}})|U(?P<u8>{_HEX}{{8}}))")
_ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_IRI_FORBIDDEN = re.compile(r"[\x00-\x20<>\"{}|^`\\]")
_IRI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")

# RDF-CANON §"Canonical N-Quads": ECHAR for BS, HT, LF, FF, CR, '"' and '\'; UCHAR with
# uppercase hex for the other C0 controls and DEL; every other character as itself.
_LITERAL_ESCAPES: dict[int, str] = {c: f"\\u{c:04X}" for c in [*range(0x20), 0x7F]}
_LITERAL_ESCAPES.update(
    {0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r", 0x22: '\\"', 0x5C: "\\\\"}
)
_NEEDS_ESCAPE = re.compile(r"[\x00-\x1f\x7f\"\\]")


class _BadEscapeError(Exception):
    """An escape names a code point that is not a Unicode scalar value."""


def _unescape_match(match: re.Match[str]) -> str:
    if (echar := match["echar"]) is not None:
        return _ECHAR[echar]
    code = int(match["u4"] or match["u8"], 16)
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise _BadEscapeError(match.group())
    return chr(code)


def _unescape(text: str, line: int) -> str:
    if "\\" not in text:
        return text
    try:
        return _ESCAPE.sub(_unescape_match, text)
    except _BadEscapeError as exc:
        raise NQuadsSyntaxError(f"escape {exc} is not a Unicode scalar value", line=line) from None


def _iri(raw: str, line: int) -> str:
    value = _unescape(raw, line)
    # N-Quads allows only absolute IRIs, and canonical N-Quads cannot write these characters.
    if raw is not value and _IRI_FORBIDDEN.search(value):
        raise NQuadsSyntaxError(f"IRI <{value!r}> holds a character IRIs cannot contain", line=line)
    if not _IRI_SCHEME.match(value):
        raise NQuadsSyntaxError(
            f"IRI <{value}> is relative; N-Quads needs absolute IRIs", line=line
        )
    return f"<{value}>"


def escape_literal(value: str) -> str:
    """Lexical form as written between quotes in canonical N-Quads."""
    if _NEEDS_ESCAPE.search(value) is None:
        return value
    return value.translate(_LITERAL_ESCAPES)


def _literal(match: re.Match[str], line: int) -> str:
    lexical = escape_literal(_unescape(match["o_lit"], line))
    if (lang := match["o_lang"]) is not None:
        return f'"{lexical}"@{lang}'
    if (datatype := match["o_dt"]) is not None:
        iri = _iri(datatype, line)
        if iri != f"<{XSD_STRING}>":
            return f'"{lexical}"^^{iri}'
    return f'"{lexical}"'


def _node(match: re.Match[str], name: str, line: int) -> str:
    if (iri := match[f"{name}_iri"]) is not None:
        return _iri(iri, line)
    if (label := match[f"{name}_bn"]) is not None:
        return f"_:{label}"
    return ""


def _lines(text: str) -> Iterator[tuple[int, str]]:
    yield from enumerate(_LINE_BREAK.split(text), start=1)


def parse_nquads(text: str, limits: CanonLimits) -> list[Quad]:
    """Parse N-Quads into distinct quads (an RDF dataset is a set), in first-seen order.

    Raises `NQuadsSyntaxError` with the line number, or `CanonicalizationLimitError` as soon as
    the distinct quads exceed ``limits.max_quads``.
    """
    quads: dict[Quad, None] = {}
    for number, line in _lines(text):
        match = _STATEMENT.fullmatch(line)
        if match is None:
            if _BLANK_OR_COMMENT.fullmatch(line):
                continue
            raise NQuadsSyntaxError("not an N-Quads statement", line=number)
        obj = _node(match, "o", number) or _literal(match, number)
        quad = (
            _node(match, "s", number),
            _iri(match["p_iri"], number),
            obj,
            _node(match, "g", number),
        )
        quads[quad] = None
        if len(quads) > limits.max_quads:
            raise CanonicalizationLimitError("max_quads", limits.max_quads)
    return list(quads)


def is_blank(term: str) -> bool:
    """True for a blank node term (``_:label``)."""
    return term[:2] == "_:"


def serialize_quad(subject: str, predicate: str, obj: str, graph: str) -> str:
    """One canonical N-Quads line, ending in LF."""
    if graph:
        return f"{subject} {predicate} {obj} {graph} .\n"
    return f"{subject} {predicate} {obj} .\n"
