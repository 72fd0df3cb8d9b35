"""Strict RDF 1.1 N-Quads reader that yields terms already in canonical N-Quads form.

Each term is kept as the exact string RDFC-1.0 writes for it (RDF-CANON §"Canonical N-Quads"):
IRIs as ``<iri>`` with every escape decoded, blank nodes as ``_:label``, literals as
``"lexical"`` plus ``@lang`` or ``^^<datatype>`` (never ``^^xsd:string``), and the default graph as
``""``. The canonical form is injective, so equal strings mean equal RDF terms, and duplicate
statements written with different escapes (W3C test060) merge. The first two characters tell the
kind apart: ``<`` IRI, ``"`` literal, ``_:`` blank node.
"""

from __future__ import annotations

import functools
import re

from signing.canon.limits import CanonLimits
from signing.errors import CanonicalizationLimitError, NQuadsSyntaxError

#: (subject, predicate, object, graph); graph is "" for the default graph.
Quad = tuple[str, str, str, str]

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

# N-Quads grammar terminals (RDF 1.1 N-Quads §5.3). Lone surrogates never match, so a Python
# string that cannot be encoded as UTF-8 is a syntax error rather than a failure later on.
_HEX = "[0-9A-Fa-f]"
_UCHAR = rf"\\u{_HEX}{{4}}|\\U{_HEX}{{8}}"
_ECHAR_RE = r"\\[tbnrf\"'\\]"
# Runs of plain characters between escapes ("unrolled loops", possessive), which Python's
# backtracking engine matches several times faster than a per-character alternation.
_IRI_CHARS = r"[^\x00-\x20<>\"{}|^`\\\ud800-\udfff]*+"
_STRING_CHARS = r"[^\"\\\n\r\ud800-\udfff]*+"
_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS_U = _PN_CHARS_BASE + "_:"
_PN_CHARS = _PN_CHARS_U + r"\-0-9\u00b7\u0300-\u036f\u203f-\u2040"


def _iriref(group: str) -> str:
    return rf"<(?P<{group}>{_IRI_CHARS}(?:(?:{_UCHAR}){_IRI_CHARS})*+)>"


def _blank(group: str) -> str:
    return rf"_:(?P<{group}>[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)"


def _literal_pattern(name: str) -> str:
    string = rf"\"(?P<{name}_lit>{_STRING_CHARS}(?:(?:{_ECHAR_RE}|{_UCHAR}){_STRING_CHARS})*+)\""
    lang = rf"@(?P<{name}_lang>[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)"
    return rf"{string}(?:\^\^{_iriref(f'{name}_dt')}|{lang})?"


def _term(name: str, *, literal: bool = False) -> str:
    if name == "p":
        return _iriref("p_iri")
    options = [_iriref(f"{name}_iri"), _blank(f"{name}_bn")]
    if literal:
        options.append(_literal_pattern(name))
    return f"(?:{'|'.join(options)})"


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


@functools.lru_cache(maxsize=4096)
def _iri_term(raw: str) -> str:
    """`_iri` memoized across parses: vocabularies repeat from document to document.

    lru_cache never stores a raise, and the line number only appears in error messages, so 0
    is harmless here: `_Reader.iri` re-raises with the real line.
    """
    return _iri(raw, 0)


def escape_literal(value: str) -> str:
    """Lexical form as written between quotes in canonical N-Quads."""
    if _NEEDS_ESCAPE.search(value) is None:
        return value
    return value.translate(_LITERAL_ESCAPES)


_GROUPS = (
    "s_iri", "s_bn", "p_iri", "o_iri", "o_bn", "o_lit", "o_dt", "o_lang", "g_iri", "g_bn",
)  # fmt: skip


class _Reader:
    """State of one parse: the line being read, for error messages."""

    def __init__(self) -> None:
        self.line = 0

    def iri(self, raw: str) -> str:
        try:
            return _iri_term(raw)
        except NQuadsSyntaxError:
            return _iri(raw, self.line)  # raises again, naming the line

    def node(self, iri: str | None, label: str | None) -> str:
        if iri is not None:
            return self.iri(iri)
        if label is not None:
            return f"_:{label}"
        return ""  # the default graph

    def literal(self, lexical: str, datatype: str | None, lang: str | None) -> str:
        text = escape_literal(_unescape(lexical, self.line))
        if lang is not None:
            return f'"{text}"@{lang}'
        if datatype is not None and (iri := self.iri(datatype)) != _XSD_STRING_TERM:
            return f'"{text}"^^{iri}'
        return f'"{text}"'  # xsd:string is implicit in canonical N-Quads

    def quad(self, match: re.Match[str]) -> Quad:
        s_iri, s_bn, p_iri, o_iri, o_bn, o_lit, o_dt, o_lang, g_iri, g_bn = match.group(*_GROUPS)
        obj = self.literal(o_lit, o_dt, o_lang) if o_lit is not None else self.node(o_iri, o_bn)
        return (self.node(s_iri, s_bn), self.iri(p_iri), obj, self.node(g_iri, g_bn))


_XSD_STRING_TERM = f"<{XSD_STRING}>"


def parse_nquads(text: str, limits: CanonLimits) -> list[Quad]:
    """Parse N-Quads into distinct quads (an RDF dataset is a set), in first-seen order.

    Raises `NQuadsSyntaxError` with the line number, or `CanonicalizationLimitError` as soon as
    the distinct quads exceed ``limits.max_quads``.
    """
    quads: dict[Quad, None] = {}
    reader = _Reader()
    lines = _LINE_BREAK.split(text) if "\r" in text else text.split("\n")
    for reader.line, line in enumerate(lines, start=1):
        match = _STATEMENT.fullmatch(line)
        if match is None:
            if _BLANK_OR_COMMENT.fullmatch(line):
                continue
            raise NQuadsSyntaxError("not an N-Quads statement", line=reader.line)
        quads[reader.quad(match)] = None
        if len(quads) > limits.max_quads:
            raise CanonicalizationLimitError("max_quads", limits.max_quads)
    return list(quads)


def serialize_quad(subject: str, predicate: str, obj: str, graph: str) -> str:
    """One canonical N-Quads line, ending in LF."""
    if graph:
        return f"{subject} {predicate} {obj} {graph} .\n"
    return f"{subject} {predicate} {obj} .\n"
