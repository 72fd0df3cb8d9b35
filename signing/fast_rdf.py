"""Fast JSON-LD -> RDF (quads or N-Quads) for credentials whose contexts are all pinned URLs.

`to_quads` walks the JSON document directly with compiled contexts
(`signing._fast_rdf_context`) and emits the same RDF dataset as pyld's
``jsonld.to_rdf(doc, {"format": "application/n-quads", "documentLoader": loader})``, up to blank
node labels (canonicalization relabels them). It mirrors pyld 3.3's Expansion (JSON-LD 1.1 API
§5.1.2), Node Map Generation (§7.2) and Deserialize JSON-LD to RDF (§8.1) for the subset of
JSON-LD that signed carbon datasets use, and returns None for everything else, so the caller
falls back to pyld, which also owns the lossless checks and their errors. Never a different graph.

Not modelled (-> None): inline or nested ``@context``, ``@graph``/``@list``/``@set``/
``@included``/``@reverse``/``@nest``/``@index``/``@direction`` keywords, index/language/id/type
maps, ``@json`` in value objects or with list/graph containers, reverse terms, relative IRIs
(anything pyld would resolve against the base), dropped (undefined) terms, keyword-like values,
blank-node types, nested lists, non-JSON Python values, lone surrogates and IRIs with characters
N-Quads cannot carry verbatim.

`to_quads` hands its terms to `signing.canon.canonicalize_quads` as they are, so every term it
emits must be one `signing.canon.nquads.parse_nquads` could have produced: IRIs pass `SAFE_IRI`,
literals are escaped here, language tags pass `LANGTAG`. `to_nquads` is its text form, for the
callers and tests that want N-Quads. `dataset_quads` is `to_quads` that raises `Unsupported`
instead of returning None: its `pointer` names where, for callers that refuse rather than fall
back (`signing.budget.FAST_PATH_ONLY`).

Work is linear in the document: at most `MAX_CONTEXT_URLS` root contexts and
`MAX_TYPE_SCOPES` combinations of type-scoped contexts per document (each new one costs a pyld
context processing step, 1-3 ms), and the caller's deadline is checked at every node object.
"""

from __future__ import annotations

import math
import re
import threading
import time
from typing import Any, Final

from pyld.jsonld import canonicalize as _pyld_jcs

from signing._fast_rdf_context import (
    LANGTAG,
    LANGUAGE_DATATYPES,
    RELATIVE,
    SAFE_IRI,
    CompiledContext,
    Loader,
    TermPlan,
    Universe,
    Unsupported,
    emittable,
    expand_iri,
    iri_ref,
)
from signing.canon.nquads import Quad, serialize_quad
from signing.errors import DeadlineExceededError, RelativeIriError

__all__ = [
    "MAX_CONTEXT_URLS",
    "MAX_TYPE_SCOPES",
    "Unsupported",
    "dataset_quads",
    "to_nquads",
    "to_quads",
]

_XSD: Final = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING: Final = _XSD + "string"
_XSD_BOOLEAN: Final = _XSD + "boolean"
_XSD_DOUBLE: Final = _XSD + "double"
_XSD_INTEGER: Final = _XSD + "integer"
_RDF: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDF_TYPE: Final = f"<{_RDF}type>"
_RDF_FIRST: Final = f"<{_RDF}first>"
_RDF_REST: Final = f"<{_RDF}rest>"
_RDF_NIL: Final = f"<{_RDF}nil>"
_RDF_JSON: Final = f"<{_RDF}JSON>"
#: Literal escapes as RDFC-1.0 writes them (§4.2 / N-Quads canonical form); any other control
#: character becomes \\uXXXX. pyld writes some raw; both parse to the same literal.
_ESCAPES: Final = {
    "\\": "\\\\",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}
#: Also matches lone surrogates, which `_escape_char` refuses: they cannot be written as UTF-8.
_NEEDS_ESCAPE: Final = re.compile(r'[\x00-\x1f"\\\x7f\ud800-\udfff]')
_MAX_UNIVERSES: Final = 64
#: Root context URLs the fast path compiles (each costs 2-5 ms the first time; cfx credentials
#: and the W3C vectors list two).
MAX_CONTEXT_URLS: Final = 8
#: Distinct (context, type-scoped contexts) transitions per document; a cfx credential has 1-4.
MAX_TYPE_SCOPES: Final = 16

_CACHE_LOCK: Final = threading.Lock()
#: (context URLs, id(loader)) -> (loader, root context); the loader is kept to pin its id.
_ROOTS: dict[tuple[tuple[str, ...], int], tuple[Loader, CompiledContext]] = {}


def to_quads(document: Any, loader: Loader, *, deadline: float | None = None) -> list[Quad] | None:
    """The distinct quads of `document`'s RDF dataset, or None when the reference path must decide.

    Each term is already in the canonical N-Quads form `signing.canon.nquads.parse_nquads` gives
    (IRIs as ``<iri>``, literals escaped as RDFC-1.0 writes them, ``""`` for the default graph),
    so `signing.canon.canonicalize_quads` takes them without a text round trip. `document` is a
    parsed JSON object (anything else gives None); `loader` a pyld-style document loader.
    Compiled contexts are cached per (context URL list, loader). `deadline` (`time.monotonic()`)
    raises `DeadlineExceededError` once passed.
    """
    try:
        return dataset_quads(document, loader, deadline=deadline)
    except Unsupported:
        return None


def dataset_quads(document: Any, loader: Loader, *, deadline: float | None = None) -> list[Quad]:
    """`to_quads`, raising `Unsupported` (with the JSON pointer of what) instead of giving None."""
    if not isinstance(document, dict):
        raise Unsupported("a document that is not a JSON object")
    urls = _context_urls(document.get("@context"))
    if urls is None:
        raise Unsupported(
            f"an @context that is not a list of at most {MAX_CONTEXT_URLS} context URLs",
            key="@context",
        )
    try:
        root = _root_context(urls, loader)
    except Unsupported as exc:
        raise exc.at("@context") from None
    walk = _Walk(deadline)
    try:
        walk.node(root, None, document, "", type_scoped=None, is_root=True)
    except RecursionError:
        raise Unsupported("nesting too deep for the fast path") from None
    return list(dict.fromkeys(walk.quads))  # an RDF dataset is a set


def to_nquads(document: Any, loader: Loader) -> str | None:
    """N-Quads text of `to_quads` (one line per distinct quad), or None where it gives None."""
    quads = to_quads(document, loader)
    if quads is None:
        return None
    return "".join(serialize_quad(s, p, o, g) for s, p, o, g in quads)


def _context_urls(context: Any) -> tuple[str, ...] | None:
    if isinstance(context, str):
        context = [context]
    if not isinstance(context, list) or not context or len(context) > MAX_CONTEXT_URLS:
        return None
    if not all(isinstance(url, str) and SAFE_IRI.match(url) for url in context):
        return None
    return tuple(context)


def _root_context(urls: tuple[str, ...], loader: Loader) -> CompiledContext:
    key = (urls, id(loader))
    with _CACHE_LOCK:
        hit = _ROOTS.get(key)
        if hit is not None and hit[0] is loader:
            return hit[1]
    # Compile outside the cache lock (pyld calls take their own lock); a race compiles twice.
    root = Universe(loader).root(urls)
    with _CACHE_LOCK:
        if len(_ROOTS) >= _MAX_UNIVERSES:
            _ROOTS.clear()
        _ROOTS[key] = (loader, root)
    return root


def _literal_text(value: str) -> str:
    if not _NEEDS_ESCAPE.search(value):
        return f'"{value}"'
    return '"' + _NEEDS_ESCAPE.sub(_escape_char, value) + '"'


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    if "\ud800" <= char <= "\udfff":
        raise Unsupported("lone surrogate in a literal")
    return _ESCAPES.get(char) or f"\\u{ord(char):04X}"


def _canonical_double(value: float) -> str:
    """pyld `_canonicalize_double` (xsd:double canonical form, JSON-LD 1.1 API §8.6 step 10)."""
    if not math.isfinite(value):
        raise Unsupported("non-finite number")
    return re.sub(r"(\d)0*E\+?(-)?0*(\d)", r"\1E\2\3", f"{value:1.15E}")


def _typed(lexical: str, datatype: str) -> str:
    if datatype in LANGUAGE_DATATYPES:
        raise Unsupported("language datatype without a language")
    text = _literal_text(lexical)
    if datatype == _XSD_STRING:
        return text
    return f"{text}^^{iri_ref(datatype)}"


def literal(value: Any, datatype: str | None, language: str | None) -> str:
    """RDF literal for a JSON-LD value object, as pyld `_object_to_rdf` forms it (§8.6)."""
    kind = type(value)
    if kind is bool:
        return _typed("true" if value else "false", datatype or _XSD_BOOLEAN)
    if kind is float and not value.is_integer():
        return _typed(_canonical_double(value), datatype or _XSD_DOUBLE)
    if datatype == _XSD_DOUBLE:
        try:
            as_float = float(value)
        except (TypeError, ValueError):
            return _typed(str(value), _XSD_DOUBLE)
        return _typed(_canonical_double(as_float), _XSD_DOUBLE)
    if kind is int or kind is float:
        if abs(value) >= 1e21:
            return _typed(_canonical_double(float(value)), datatype or _XSD_DOUBLE)
        return _typed(str(int(value)), datatype or _XSD_INTEGER)
    if kind is not str:
        raise Unsupported(f"value of type {kind.__name__}")
    if language is not None:
        if not LANGTAG.match(language):
            raise Unsupported(f"language tag {language!r}")
        return f"{_literal_text(value)}@{language}"
    return _typed(value, datatype or _XSD_STRING)


def _within(exc: Unsupported, value: Any, item: Any) -> Unsupported:
    """`exc` raised for `item`: add its index when `value` is the array holding it."""
    if isinstance(value, list):
        exc.at(next(index for index, each in enumerate(value) if each is item))
    return exc


class _Walk:
    """One document's walk: emitted quads and blank node labels."""

    __slots__ = ("_bnodes", "_counter", "_deadline", "_json_slots", "_type_scopes", "quads")

    def __init__(self, deadline: float | None = None) -> None:
        self.quads: list[Quad] = []
        self._json_slots: set[tuple[str, str, str]] = set()
        self._bnodes: dict[str, str] = {}
        self._counter = 0
        self._deadline = deadline
        self._type_scopes: set[tuple[int, ...]] = set()

    def fresh(self) -> str:
        self._counter += 1
        return f"_:b{self._counter}"

    def _node_id(self, ctx: CompiledContext, value: Any) -> str:
        """Document-relative IRI expansion of an @id (§5.2.2 with document relative = true)."""
        if not isinstance(value, str):
            raise Unsupported("@id that is not a string")
        expanded = expand_iri(ctx.raw, value, vocab=False)
        return self._reference(expanded, value)

    def _reference(self, expanded: object, original: str) -> str:
        if expanded is RELATIVE:
            # The reference path's refusal (signing.rdf `_check_iri`), word for word.
            raise Unsupported(
                f"@id {original!r} is a relative IRI; with a null base IRI it cannot be signed",
                loss=RelativeIriError,
            )
        if not isinstance(expanded, str):
            raise Unsupported(f"identifier {original!r} is keyword-like")
        if expanded.startswith("_:"):
            label = self._bnodes.get(expanded)
            if label is None:
                label = self._bnodes[expanded] = self.fresh()
            return label
        return iri_ref(expanded)

    def _count_type_scopes(
        self, active: CompiledContext, present: tuple[Any, ...], type_key: str
    ) -> None:
        # Deterministic (what the document uses, not what happens to be compiled already), so
        # a document is refused or accepted whatever ran before it.
        self._type_scopes.add((id(active), *map(id, present)))
        if len(self._type_scopes) > MAX_TYPE_SCOPES:
            raise Unsupported(
                f"more than {MAX_TYPE_SCOPES} combinations of type-scoped contexts",
                key=type_key,
            )

    def _type_iri(self, ctx: CompiledContext, value: Any) -> str:
        if not isinstance(value, str):
            raise Unsupported("@type value that is not a string")
        return ctx.type_iri(value)

    # --- node objects and value objects (pyld `_expand` map branch + `_expand_object`) ---------

    def node(
        self,
        ctx_in: CompiledContext,
        key: str | None,
        element: dict[str, Any],
        graph: str,
        *,
        type_scoped: CompiledContext | None,
        is_root: bool = False,
    ) -> str | None:
        """Emit a node object's quads into `graph` and return its term (or a value's literal).

        `Unsupported` raised here names the member of `element` that holds the construct (or
        none: the object itself); the caller adds where `element` sits.
        """
        if self._deadline is not None and time.monotonic() >= self._deadline:
            raise DeadlineExceededError("the caller's deadline passed before the work was done")
        active = ctx_in if is_root else self._entered(ctx_in, key, element, type_scoped)

        # Steps 10-11: type-scoped contexts, selected in the context before any of them.
        keys = tuple(element)
        type_ctx = active
        type_key = type_ctx.type_key(keys)
        if type_key is not None:
            active = self._with_type_scopes(active, element[type_key], type_key)

        shape = active.shape(keys)
        keywords = shape.keywords
        if keywords.get("@type") != type_key:
            raise Unsupported("the type-scoped context redefines the @type alias")

        if "@value" in keywords:
            if is_root or shape.properties or "@id" in keywords:
                raise Unsupported("value object with other entries")
            return self._value_object(type_ctx, {kw: element[k] for kw, k in keywords.items()})
        if "@language" in keywords:
            raise Unsupported("@language on a node object")

        id_key = keywords.get("@id")
        try:
            subject = self.fresh() if id_key is None else self._node_id(active, element[id_key])
        except Unsupported as exc:
            raise exc.at(id_key or "") from None
        if type_key is not None:
            self._types(subject, type_ctx, element[type_key], graph, type_key)
        for property_key, plan in shape.properties:
            try:
                self._property(subject, plan, element[property_key], graph)
            except Unsupported as exc:
                raise exc.at(property_key) from None
        return subject

    def _entered(
        self,
        ctx_in: CompiledContext,
        key: str | None,
        element: dict[str, Any],
        type_scoped: CompiledContext | None,
    ) -> CompiledContext:
        """The context a nested node object is expanded in (JSON-LD 1.1 Expansion, steps 7-8)."""
        if "@context" in element:
            raise Unsupported("embedded @context", key="@context")
        # Step 7: a type-scoped context does not reach into a new node object, except for
        # value objects and bare references (pyld checks only elements with <= 2 entries).
        if type_scoped is None and ctx_in.has_previous:
            type_scoped = ctx_in
        active = ctx_in
        must_revert = True
        if type_scoped is not None and len(element) <= 2:
            for k in sorted(element):
                expanded = type_scoped.expand_key(k)
                if expanded == "@value":
                    must_revert = False
                    active = type_scoped
                    break
                if expanded == "@id" and len(element) == 1:
                    must_revert = False
                    break
        if must_revert:
            active = active.previous()
        # Step 8: property-scoped context, looked up in the context the value came with.
        scope = None if key is None else ctx_in.property_scope(key)
        if scope is not None:
            active = active.apply_scoped(scope)
        return active

    def _with_type_scopes(
        self, active: CompiledContext, types: Any, type_key: str
    ) -> CompiledContext:
        """`active` with the scoped contexts of the node's types, in lexical order (step 11)."""
        names = types if isinstance(types, list) else [types]
        scopes = [active.type_scope(t) for t in sorted(n for n in names if isinstance(n, str))]
        present = tuple(s for s in scopes if s is not None)
        if not present:
            return active
        if len({id(s) for s in present}) != len(present):
            raise Unsupported("repeated type with a scoped context", key=type_key)
        self._count_type_scopes(active, present, type_key)
        return active.apply_types(present)

    def _types(
        self, subject: str, type_ctx: CompiledContext, types: Any, graph: str, type_key: str
    ) -> None:
        """One rdf:type quad per type, each expanded in the context before type scopes."""
        quads = self.quads
        try:
            for t in types if isinstance(types, list) else [types]:
                quads.append((subject, _RDF_TYPE, self._type_iri(type_ctx, t), graph))
        except Unsupported as exc:
            raise exc.at(type_key) from None

    def _value_object(self, type_ctx: CompiledContext, keywords: dict[str, Any]) -> str | None:
        value = keywords["@value"]
        datatype: str | None = None
        language: str | None = None
        if "@type" in keywords:
            if "@language" in keywords:
                raise Unsupported("value object with @type and @language")
            raw_type = keywords["@type"]
            if not isinstance(raw_type, str):
                raise Unsupported("value object @type that is not a string")
            expanded = expand_iri(type_ctx.raw, raw_type, vocab=True)
            if not isinstance(expanded, str) or not emittable(expanded):
                raise Unsupported(f"value object @type {raw_type!r}")
            datatype = expanded
        if "@language" in keywords:
            raw_language = keywords["@language"]
            if not isinstance(raw_language, str) or not isinstance(value, str):
                raise Unsupported("@language needs string values")
            language = raw_language.lower()
        if value is None:
            return None
        if isinstance(value, dict | list):
            raise Unsupported("@value that is not a scalar")
        return literal(value, datatype, language)

    # --- property values ---------------------------------------------------------------------

    def _property(self, subject: str, plan: TermPlan, value: Any, graph: str) -> None:
        quads = self.quads
        predicate = plan.predicate
        if type(value) is str and (suffix := plan.plain_string_suffix) is not None:
            # The common case, short cut: what `_value` -> `_scalar` give for a plain string
            # (the suffix is None for @json and containers, which the branches below take).
            text = f'"{value}"' if _NEEDS_ESCAPE.search(value) is None else _literal_text(value)
            quads.append((subject, predicate, text + suffix, graph))
            return
        if plan.coerce == "@json":
            literal_json = self._json_literal(subject, plan, value, graph)
            quads.append((subject, predicate, literal_json, graph))
            return
        if plan.graph_container:
            # Each value becomes its own named graph, referenced from the subject (§5.1.2 step
            # 13.12; Node Map Generation §7.2.2 for @graph).
            for item in value if isinstance(value, list) else [value]:
                try:
                    name = self._graph_item(plan, item)
                except Unsupported as exc:
                    raise _within(exc, value, item) from None
                if name is not None:
                    quads.append((subject, predicate, name, graph))
            return
        terms: list[str] = []
        if plan.list_container:
            # An array is always a list (all items dropped: rdf:nil); a single value that expands
            # to nothing (null, {"@value": null}) drops the property (§5.1.2 steps 13.10-13.11).
            items = value if isinstance(value, list) else [value]
            for item in items:
                try:
                    self._value(plan, item, graph, terms, inside_list=True)  # refuses a list
                except Unsupported as exc:
                    raise _within(exc, value, item) from None
            if not terms and not isinstance(value, list):
                return
            quads.append((subject, predicate, self._rdf_list(terms, graph), graph))
            return
        self._value(plan, value, graph, terms, inside_list=False)
        for term in terms:
            quads.append((subject, predicate, term, graph))

    def _graph_item(self, plan: TermPlan, item: Any) -> str | None:
        """One value of a @graph container as its own named graph; its name, or None if empty."""
        if isinstance(item, list):
            raise Unsupported("nested array in a @graph container")
        name = self.fresh()
        terms: list[str] = []
        self._value(plan, item, name, terms, inside_list=False)
        if not terms:
            return None
        if terms[0].startswith('"'):
            raise Unsupported("literal in a @graph container")
        return name

    def _json_literal(self, subject: str, plan: TermPlan, value: Any, graph: str) -> str:
        """rdf:JSON literal of the whole value, JCS-serialised by pyld's own function (§8.6 2.3).

        pyld deduplicates @json values with Python equality, under which {"a": true} equals
        {"a": 1} although their literals differ; a second @json value in the same slot falls back.
        """
        slot = (subject, plan.predicate, graph)
        if slot in self._json_slots:
            raise Unsupported("two @json values for one property")
        self._json_slots.add(slot)
        try:
            text = _pyld_jcs(value).decode("utf-8")
        except (TypeError, ValueError, UnicodeError, RecursionError) as exc:
            raise Unsupported(f"@json value not serialisable: {exc}") from exc
        return f"{_literal_text(str(text))}^^{_RDF_JSON}"

    def _rdf_list(self, terms: list[str], graph: str) -> str:
        """RDF collection for a list (§8.4 List Conversion)."""
        if not terms:
            return _RDF_NIL
        head = self.fresh()
        node = head
        for index, term in enumerate(terms):
            nxt = self.fresh() if index + 1 < len(terms) else _RDF_NIL
            self.quads.append((node, _RDF_FIRST, term, graph))
            self.quads.append((node, _RDF_REST, nxt, graph))
            node = nxt
        return head

    def _value(
        self, plan: TermPlan, value: Any, graph: str, out: list[str], *, inside_list: bool
    ) -> None:
        """Expand one property value (pyld `_expand` with the key as active property)."""
        if value is None:
            return
        if isinstance(value, list):
            if inside_list:
                raise Unsupported("list of lists")
            for item in value:
                try:
                    self._value(plan, item, graph, out, inside_list=False)
                except Unsupported as exc:
                    raise _within(exc, value, item) from None
            return
        if isinstance(value, dict):
            term = self.node(plan.term_ctx, plan.key, value, graph, type_scoped=None)
            if term is not None:
                out.append(term)
            return
        out.append(self._scalar(plan, value))

    def _scalar(self, plan: TermPlan, value: Any) -> str:
        """Value Expansion (§5.3.2) followed by the literal or IRI it becomes in RDF."""
        coerce = plan.coerce
        if type(value) is str:
            if plan.string_suffix is not None:  # the common case, precomputed per term
                return _literal_text(value) + plan.string_suffix
            if coerce == "@id":
                return self._reference(expand_iri(plan.term_ctx.raw, value, vocab=False), value)
            if coerce == "@vocab":
                return self._reference(expand_iri(plan.term_ctx.raw, value, vocab=True), value)
        if coerce is not None and coerce not in {"@id", "@vocab", "@none"}:
            return literal(value, coerce, None)
        if isinstance(value, str):
            return literal(value, None, plan.language)
        return literal(value, None, None)
