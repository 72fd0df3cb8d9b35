"""Compiled JSON-LD active contexts for the fast JSON-LD -> RDF path (`signing.fast_rdf`).

The term definitions themselves are produced by pyld's own context processing (the reference
implementation we must agree with), once per distinct context transition; this module wraps each
resulting active context in a `CompiledContext` that memoises what the document walk needs per
key: the expanded predicate, container, type coercion, language and the context reached through
property-scoped and type-scoped contexts (JSON-LD 1.1 Expansion Algorithm §5.1.2 steps 7-11).

Anything this compiler does not model raises `Unsupported`, which makes the caller fall back to
pyld or refuse the document. pyld's context processing is not thread-safe (LRU caches), so each
`Universe` has its own resolver cache and lock, held for one context processing step: a few ms
on the pinned contexts, never across a document or a request. Which contexts get compiled is
bounded by the pinned contexts, except for combinations of type-scoped contexts, which the
document chooses: `signing.fast_rdf` caps them per document.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from pyld.context_resolver import ContextResolver
from pyld.jsonld import KEYWORDS, JsonLdError, JsonLdProcessor

from signing.errors import DataLossError, DroppedTermError, RelativeIriError, UndefinedTermError

#: pyld-style document loader: (url, options) -> {"contextUrl", "documentUrl", "document"}.
Loader = Callable[[str, dict[str, Any]], dict[str, Any]]

_KEYWORDS: Final = frozenset(KEYWORDS)
_KEYWORD_FORM: Final = re.compile(r"^@[a-zA-Z]+$")
#: pyld's own absolute-IRI test (`jsonld._is_absolute_iri`); used only where pyld branches on it.
_PYLD_ABSOLUTE: Final = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$")
#: What we accept as an IRI we emit: an RFC 3987 scheme and only characters that N-Quads IRIREF
#: allows unescaped (and no whitespace, which pyld would drop). Stricter than pyld on purpose:
#: anything else falls back to the reference path.
#: No surrogates either: a lone one cannot be written as UTF-8. `\Z`, not `$`, which would also
#: match before a final newline and let "urn:x\n" through.
SAFE_IRI: Final = re.compile(
    r"^[A-Za-z][A-Za-z0-9+\-.]*:[^\s<>\"{}|^`\\\x00-\x20\x7f\ud800-\udfff]*\Z"
)
_XSD_STRING: Final = "http://www.w3.org/2001/XMLSchema#string"
_XSD_DOUBLE: Final = "http://www.w3.org/2001/XMLSchema#double"
_RDF: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#: Datatypes a literal may only carry together with a language: never emitted without one.
LANGUAGE_DATATYPES: Final = frozenset({_RDF + "langString", _RDF + "dirLangString"})
#: N-Quads LANGTAG (RDF 1.1 N-Quads §7, production [144s]).
LANGTAG: Final = re.compile(r"^[a-zA-Z]+(-[a-zA-Z0-9]+)*\Z")
#: Bound on memoised plans per context, so attacker-chosen keys cannot grow the cache forever.
_MAX_PLANS: Final = 4096
_SUPPORTED_CONTAINERS: Final[tuple[frozenset[str], ...]] = (
    frozenset(),
    frozenset({"@set"}),
    frozenset({"@list"}),
    frozenset({"@graph"}),
    frozenset({"@graph", "@set"}),
)


class Unsupported(Exception):  # noqa: N818 - a control-flow signal, not an error a caller sees
    """The document uses something the fast path does not model; use the reference path.

    `key` is the member of the current JSON object that holds it (None: the object itself);
    callers add the segments above it while the exception unwinds (`at`), so `pointer` names
    the JSON value (RFC 6901). `loss` is set where the reference path would refuse the document
    for data loss with that error (an undefined term, a relative IRI): a caller that may not
    take the reference path raises it instead of an UNSUPPORTED_JSONLD refusal.
    """

    def __init__(
        self, why: str, *, key: str | None = None, loss: type[DataLossError] | None = None
    ) -> None:
        super().__init__(why)
        self.why = why
        self.loss = loss
        self._segments: list[str | int] = [] if key is None else [key]

    def at(self, segment: str | int) -> Unsupported:
        """Record that the value sat under `segment` (a member name or an array index)."""
        self._segments.append(segment)
        return self

    @property
    def pointer(self) -> str:
        return "".join(
            "/" + str(segment).replace("~", "~0").replace("/", "~1")
            for segment in reversed(self._segments)
        )


class _Relative:
    """Marker: pyld would resolve the value against the document base (not modelled here)."""


RELATIVE: Final = _Relative()


def expand_iri(raw: Mapping[str, Any], value: str, *, vocab: bool) -> str | _Relative | None:
    """pyld `_expand_iri` without base resolution (JSON-LD 1.1 IRI Expansion, §5.2.2).

    Returns the expanded IRI or keyword, None where pyld returns None (keyword-like strings,
    terms mapped to null) and `RELATIVE` where pyld would resolve against the base IRI.
    """
    if value in _KEYWORDS:
        return value
    if _KEYWORD_FORM.match(value):
        return None
    mappings = raw["mappings"]
    if vocab and value in mappings:
        mapping = mappings[value]
        return None if mapping is None else str(mapping["@id"])
    colon = value.find(":")
    if colon > 0:
        prefix, suffix = value[:colon], value[colon + 1 :]
        if prefix == "_" or suffix.startswith("//"):
            return value
        mapping = mappings.get(prefix)
        if mapping and mapping.get("_prefix"):
            return str(mapping["@id"]) + suffix
        if _PYLD_ABSOLUTE.match(value):
            return value
    if vocab and raw.get("@vocab") is not None:
        return str(raw["@vocab"]) + value
    return RELATIVE


#: pyld's default base IRI: the reference path (`signing.rdf`) refuses IRIs under it as leaked
#: relative IRIs, so the fast path must not accept them either.
PYLD_DEFAULT_BASE: Final = "http://example.org/base/"


def emittable(iri: str) -> bool:
    """True for an IRI the fast path may emit: safe characters, not under pyld's default base."""
    return bool(SAFE_IRI.match(iri)) and not iri.startswith(PYLD_DEFAULT_BASE)


def leaked_base_loss(iri: str) -> type[DataLossError] | None:
    """RelativeIriError for an IRI under pyld's default base (the reference path's refusal)."""
    return RelativeIriError if iri.startswith(PYLD_DEFAULT_BASE) else None


def iri_ref(iri: str) -> str:
    """`<iri>` for N-Quads, or Unsupported when the IRI is not one we can emit verbatim."""
    if not emittable(iri):
        raise Unsupported(f"IRI not emitted by the fast path: {iri!r}", loss=leaked_base_loss(iri))
    return f"<{iri}>"


@dataclass(frozen=True, slots=True)
class TermPlan:
    """What expanding one non-keyword key of a node object needs, resolved once."""

    #: The key as written in the document (scoped contexts are looked up by it).
    key: str
    #: N-Quads form of the expanded property IRI.
    predicate: str
    list_container: bool
    graph_container: bool
    #: Context for the key's values (its property-scoped context applied, if any).
    term_ctx: CompiledContext
    #: Type mapping seen by value expansion: None, "@id", "@vocab", "@none", "@json" (the whole
    #: value is one rdf:JSON literal) or a datatype IRI.
    coerce: str | None
    #: Language for untyped strings (term-level or default language), None for none.
    language: str | None
    #: For a JSON string value: what follows its quoted lexical form ("", "@lang", "^^<dt>"),
    #: or None when the string needs the general path (IRIs, @json, xsd:double).
    string_suffix: str | None
    #: `string_suffix` when the key has no @list or @graph container: a string value is then
    #: exactly one quad with that literal (the walk's short cut), else None.
    plain_string_suffix: str | None


@dataclass(frozen=True, slots=True)
class KeywordPlan:
    """The key is (an alias of) a JSON-LD keyword."""

    keyword: str


class _UnsupportedPlan:
    """Memoised refusal: the key cannot be expanded by the fast path."""

    __slots__ = ("loss", "why")

    def __init__(self, why: str, loss: type[DataLossError] | None = None) -> None:
        self.why = why
        self.loss = loss


Plan = TermPlan | KeywordPlan | _UnsupportedPlan

#: Keywords a node or value object may carry on the fast path.
_NODE_KEYWORDS: Final = frozenset({"@id", "@type", "@value", "@language"})


@dataclass(frozen=True, slots=True)
class NodeShape:
    """The plans of one node object's keys, in document order, resolved once per key tuple."""

    #: keyword -> the key (an alias or the keyword itself) that carries it.
    keywords: dict[str, str]
    #: (key, plan) for every non-keyword key.
    properties: tuple[tuple[str, TermPlan], ...]


class _UnsupportedShape:
    """Memoised refusal of a key tuple (or of a type name); `key` as in `Unsupported`."""

    __slots__ = ("key", "loss", "why")

    def __init__(
        self, why: str, key: str | None = None, loss: type[DataLossError] | None = None
    ) -> None:
        self.why = why
        self.key = key
        self.loss = loss

    def error(self) -> Unsupported:
        return Unsupported(self.why, key=self.key, loss=self.loss)


class Universe:
    """All active contexts reached from one root context list with one loader."""

    def __init__(self, loader: Loader) -> None:
        self._by_id: dict[int, CompiledContext] = {}
        # Guards this universe's resolver cache and processor; held for one processing step.
        self._lock = threading.RLock()
        checked = _checking_loader(loader)
        self._options: dict[str, Any] = {
            # As on the reference path (signing.rdf): DI deserializes with a null base IRI.
            "base": None,
            "processingMode": "json-ld-1.1",
            "documentLoader": checked,
            # A private resolver cache: never share resolved contexts with other loaders.
            "contextResolver": ContextResolver({}, checked),
        }
        self._processor = JsonLdProcessor()

    def wrap(self, raw: dict[str, Any]) -> CompiledContext:
        found = self._by_id.get(id(raw))
        if found is None:
            found = CompiledContext(self, raw)
            # Kept (and `raw` with it, so its id is not reused) up to the cap; past it the
            # context is compiled again when met again, which the walk's budget bounds.
            if len(self._by_id) < _MAX_PLANS:
                self._by_id[id(raw)] = found
        return found

    def process(
        self,
        active: dict[str, Any],
        local: Any,
        *,
        override_protected: bool = False,
        propagate: bool = True,
    ) -> CompiledContext:
        """pyld context processing (JSON-LD 1.1 §4.1); its errors become Unsupported."""
        with self._lock:
            try:
                raw = self._processor._process_context(  # noqa: SLF001 - the reference algorithm itself
                    active,
                    local,
                    self._options,
                    override_protected=override_protected,
                    propagate=propagate,
                )
            except JsonLdError as exc:
                # The message and code only: str(exc) would carry the whole context.
                message = exc.args[0] if exc.args else type(exc).__name__
                code = getattr(exc, "code", None)
                raise Unsupported(
                    f"context processing failed: {message}" + (f" ({code})" if code else "")
                ) from exc
            return self.wrap(raw)

    def root(self, urls: tuple[str, ...]) -> CompiledContext:
        initial = self._processor._get_initial_context(self._options)  # noqa: SLF001 - same reason
        compiled = self.process(initial, list(urls))
        if "previousContext" in compiled.raw:
            # A remote context with "@propagate": false at the top would need revert handling
            # that the walk starts past; not worth modelling.
            raise Unsupported("root context does not propagate")
        return compiled


def _walk_json(value: Any) -> Iterator[tuple[str, Any]]:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, sub in item.items():
                yield key, sub
                stack.append(sub)
        elif isinstance(item, list):
            stack.extend(item)


def _checking_loader(loader: Loader) -> Loader:
    """Refuse contexts whose meaning depends on the document base: `@base`, relative `@vocab`."""

    def load(url: str, options: dict[str, Any]) -> dict[str, Any]:
        remote = loader(url, options)
        document = remote.get("document")
        if not isinstance(document, dict):
            # pyld would parse a JSON string itself; we check only what we can see.
            raise JsonLdError(
                f"context {url} is not a parsed JSON object", "cfx.FastPathUnsupported"
            )
        for key, value in _walk_json(document):
            if key == "@base" or (
                key == "@vocab"
                and not (value is None or (isinstance(value, str) and SAFE_IRI.match(value)))
            ):
                msg = f"context {url} uses {key} in a base-dependent way"
                raise JsonLdError(msg, "cfx.FastPathUnsupported")
        return remote

    return load


def _container(raw: Mapping[str, Any], key: str) -> frozenset[str]:
    value = JsonLdProcessor.get_context_value(raw, key, "@container")
    if value is None:
        return frozenset()
    return frozenset(value if isinstance(value, list) else [value])


def _string_suffix(coerce: str | None, language: str | None) -> str | None:
    if coerce in {"@id", "@vocab", "@json", _XSD_DOUBLE} or coerce in LANGUAGE_DATATYPES:
        return None
    if coerce is not None and coerce != "@none":
        return "" if coerce == _XSD_STRING else f"^^<{coerce}>"
    if language is None:
        return ""
    return f"@{language}" if LANGTAG.match(language) else None


class CompiledContext:
    """One pyld active context plus memoised plans and transitions."""

    def __init__(self, universe: Universe, raw: dict[str, Any]) -> None:
        self.universe = universe
        self.raw = raw
        self.has_previous = "previousContext" in raw
        self._plans: dict[str, Plan] = {}
        self._keys: dict[str, object] = {}
        self._shapes: dict[tuple[str, ...], NodeShape | _UnsupportedShape] = {}
        self._type_keys: dict[tuple[str, ...], str | _UnsupportedShape | None] = {}
        self._type_iris: dict[str, str | _UnsupportedShape] = {}
        self._scoped: dict[int, tuple[Any, CompiledContext]] = {}
        self._typed: dict[tuple[int, ...], tuple[tuple[Any, ...], CompiledContext]] = {}
        self._previous: CompiledContext | None = None

    # --- transitions -----------------------------------------------------------------------

    def previous(self) -> CompiledContext:
        """The context before a non-propagated (type-scoped) context (Expansion step 7)."""
        if not self.has_previous:
            return self
        if self._previous is None:
            self._previous = self.universe.wrap(self.raw["previousContext"])
        return self._previous

    def property_scope(self, key: str) -> Any:
        """The property-scoped context this context defines for `key`, or None."""
        mapping = self.raw["mappings"].get(key)
        return None if mapping is None else mapping.get("@context")

    def apply_scoped(self, scoped: Any) -> CompiledContext:
        hit = self._scoped.get(id(scoped))
        if hit is not None and hit[0] is scoped:
            return hit[1]
        result = self.universe.process(self.raw, scoped, override_protected=True, propagate=True)
        if len(self._scoped) < _MAX_PLANS:
            self._scoped[id(scoped)] = (scoped, result)
        return result

    def apply_types(self, scopes: tuple[Any, ...]) -> CompiledContext:
        """Apply type-scoped contexts in order, not propagated (Expansion step 11)."""
        key = tuple(id(s) for s in scopes)
        hit = self._typed.get(key)
        if hit is not None and all(a is b for a, b in zip(hit[0], scopes, strict=True)):
            return hit[1]
        result: CompiledContext = self
        for scoped in scopes:
            result = self.universe.process(result.raw, scoped, propagate=False)
        if len(self._typed) < _MAX_PLANS:  # combinations are the caller's choice: bounded
            self._typed[key] = (scopes, result)
        return result

    def type_scope(self, type_name: str) -> Any:
        """The scoped context a type term carries in this context, or None."""
        mapping = self.raw["mappings"].get(type_name)
        if mapping is None:
            return None
        scoped = mapping.get("@context")
        return None if scoped is False else scoped

    # --- per-key plans ---------------------------------------------------------------------

    def expand_key(self, key: str) -> object:
        """`expand_iri(raw, key, vocab=True)`, memoised (bounded like the plans)."""
        found = self._keys.get(key, self)
        if found is self:
            found = expand_iri(self.raw, key, vocab=True)
            if len(self._keys) < _MAX_PLANS:
                self._keys[key] = found
        return found

    def type_iri(self, value: str) -> str:
        """``<iri>`` of a node's @type value expanded here (vocab-relative), memoised.

        Unsupported when it does not expand to an IRI the fast path emits (a blank node type,
        a relative or keyword-like value).
        """
        found = self._type_iris.get(value)
        if found is None:
            expanded = self.expand_key(value)
            if expanded is RELATIVE:
                # The reference path refuses it so (signing.rdf `_check_type_value`).
                found = _UnsupportedShape(
                    f"type {value!r} is not defined by the document's contexts",
                    loss=UndefinedTermError,
                )
            elif not isinstance(expanded, str) or expanded.startswith("_:"):
                found = _UnsupportedShape(f"type {value!r} does not expand to an IRI")
            elif not emittable(expanded):
                found = _UnsupportedShape(
                    f"type IRI not emitted by the fast path: {expanded!r}",
                    loss=leaked_base_loss(expanded),
                )
            else:
                found = f"<{expanded}>"
            if len(self._type_iris) < _MAX_PLANS:
                self._type_iris[value] = found
        if isinstance(found, _UnsupportedShape):
            raise found.error()
        return found

    def type_key(self, keys: tuple[str, ...]) -> str | None:
        """The one key of a node object that expands to @type here, or None (memoised).

        Two such keys are Unsupported. `keys` are the object's keys in document order.
        """
        found = self._type_keys.get(keys, self)
        if found is self:
            found = self._find_type_key(keys)
            if len(self._type_keys) < _MAX_PLANS:
                self._type_keys[keys] = found
        if isinstance(found, _UnsupportedShape):
            raise found.error()
        return found  # type: ignore[return-value]  # `self` was replaced above

    def _find_type_key(self, keys: tuple[str, ...]) -> str | _UnsupportedShape | None:
        type_key: str | None = None
        for k in keys:
            if k != "@context" and self.expand_key(k) == "@type":
                if type_key is not None:
                    return _UnsupportedShape("two entries expand to @type")
                type_key = k
        return type_key

    def shape(self, keys: tuple[str, ...]) -> NodeShape:
        """The plans of a node object's keys (``@context`` skipped), memoised per key tuple.

        Unsupported for a key without a plan, two keys that expand to the same keyword, or a
        keyword outside @id/@type/@value/@language.
        """
        found = self._shapes.get(keys)
        if found is None:
            found = self._make_shape(keys)
            if len(self._shapes) < _MAX_PLANS:
                self._shapes[keys] = found
        if isinstance(found, _UnsupportedShape):
            raise found.error()
        return found

    def _make_shape(self, keys: tuple[str, ...]) -> NodeShape | _UnsupportedShape:
        keywords: dict[str, str] = {}
        properties: list[tuple[str, TermPlan]] = []
        for k in keys:
            if k == "@context":
                continue
            try:
                plan = self.plan(k)
            except Unsupported as exc:
                return _UnsupportedShape(exc.why, key=k, loss=exc.loss)
            if isinstance(plan, KeywordPlan):
                if plan.keyword in keywords:
                    return _UnsupportedShape(f"colliding keyword {plan.keyword}", key=k)
                keywords[plan.keyword] = k
            else:
                properties.append((k, plan))
        unsupported = set(keywords) - _NODE_KEYWORDS
        if unsupported:
            names = ", ".join(sorted(unsupported))
            return _UnsupportedShape(f"an object with {names} (not modelled by the fast path)")
        return NodeShape(keywords, tuple(properties))

    def plan(self, key: str) -> TermPlan | KeywordPlan:
        found = self._plans.get(key)
        if found is None:
            found = self._make_plan(key)
            if len(self._plans) < _MAX_PLANS:
                self._plans[key] = found
        if isinstance(found, _UnsupportedPlan):
            raise Unsupported(found.why, loss=found.loss)
        return found

    def _make_plan(self, key: str) -> Plan:  # noqa: C901 - one refusal per term-definition feature the fast path does not model, in the reference path's order
        expanded = expand_iri(self.raw, key, vocab=True)
        # The reference path's refusals (signing.rdf `_raise_dropped`), word for word.
        if expanded is RELATIVE:
            return _UnsupportedPlan(
                f"term {key!r} is not defined by the document's contexts and would be dropped "
                "from the signed graph",
                UndefinedTermError,
            )
        if not isinstance(expanded, str):
            return _UnsupportedPlan(
                "a term the context maps to null would be dropped from the graph",
                DroppedTermError,
            )
        if expanded in _KEYWORDS:
            return KeywordPlan(expanded)
        if not emittable(expanded):
            return _UnsupportedPlan(
                f"term {key!r} expands to {expanded!r}", leaked_base_loss(expanded)
            )
        mapping = self.raw["mappings"].get(key)
        if mapping is not None and mapping.get("reverse"):
            return _UnsupportedPlan(f"reverse property {key!r}")
        container = _container(self.raw, key)
        if container not in _SUPPORTED_CONTAINERS:
            return _UnsupportedPlan(f"container {sorted(container)} on {key!r}")
        # pyld decides "@json" on the node's context, before any scoped context (§5.1.2 13.6).
        json_literal = JsonLdProcessor.get_context_value(self.raw, key, "@type") == "@json"
        if json_literal and not container <= {"@set"}:
            return _UnsupportedPlan(f"@json term {key!r} with container {sorted(container)}")
        scope = self.property_scope(key)
        try:
            term_ctx = self if scope is None else self.apply_scoped(scope)
        except Unsupported as exc:
            return _UnsupportedPlan(str(exc))
        inner = term_ctx.raw
        # Value expansion looks the key up again in the scoped context; insist it agrees.
        if expand_iri(inner, key, vocab=True) != expanded or _container(inner, key) != container:
            return _UnsupportedPlan(f"scoped context redefines {key!r}")
        if JsonLdProcessor.get_context_value(inner, key, "@direction") is not None:
            return _UnsupportedPlan(f"@direction on {key!r}")
        coerce = JsonLdProcessor.get_context_value(inner, key, "@type")
        if json_literal:
            coerce = "@json"
        elif coerce not in {None, "@id", "@vocab", "@none"} and not (
            isinstance(coerce, str) and emittable(coerce)
        ):
            return _UnsupportedPlan(f"type coercion {coerce!r} on {key!r}")
        language = JsonLdProcessor.get_context_value(inner, key, "@language")
        if language is not None and not isinstance(language, str):
            return _UnsupportedPlan(f"language {language!r} on {key!r}")
        string_suffix = _string_suffix(coerce, language)
        return TermPlan(
            string_suffix=string_suffix,
            plain_string_suffix=None if container & {"@list", "@graph"} else string_suffix,
            key=key,
            predicate=f"<{expanded}>",
            list_container="@list" in container,
            graph_container="@graph" in container,
            term_ctx=term_ctx,
            coerce=coerce,
            language=language,
        )
