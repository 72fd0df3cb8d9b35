"""Lossless JSON-LD -> RDF (N-Quads, not yet canonical) for the RDFC suites.

DI "Securing Data Losslessly": data that JSON-LD processing would drop is an error, never a
smaller signed graph, and the base IRI is null when deserializing to RDF. pyld 3.3 does neither
by default (signing.md R3, §5): it drops undefined terms silently and resolves relative IRIs against
`http://example.org/base/`. So the reference path here:

1. expands with `base=None` and an `on_property_dropped` handler that raises (undefined term, or
   a term the context maps to null);
2. walks the expanded form and refuses what `to_rdf` would skip without a word: relative `@id`,
   `@type` and datatype IRIs, blank-node predicates, `@direction` (dropped without rdfDirection),
   and pyld's default base leaking in through a relative `@vocab`;
3. only then turns the expanded form into N-Quads (pyld's own to_rdf steps, without re-expanding).

The compiled fast path (`signing.fast_rdf`) is tried first. What it does not model either runs
here under a `JsonLdLimits` budget (values counted first, then the deadline and this thread's CPU
time checked as pyld works: its node map is quadratic in a property's values), or, with
`FAST_PATH_ONLY`, is refused: `UnsupportedJsonLdError` with the JSON pointer, or the precise
`DataLossError` where the fast path can tell (an undefined term, a relative IRI).

No lock: pyld's process-wide context caches are unlocked LRU caches (signing.md §5: KeyError
under threads), so each thread gets its own resolver cache (`_resolver`) and never touches
pyld's. A slow document in one thread cannot hold up another.
"""

from __future__ import annotations

import threading
from typing import Any, Final

from pyld.context_resolver import ContextResolver
from pyld.jsonld import IdentifierIssuer, JsonLdError, JsonLdProcessor

from signing import fast_rdf
from signing.budget import DEFAULT_JSONLD_LIMITS, JsonLdLimits, Meter, check_items
from signing.canon.nquads import Quad, serialize_quad
from signing.errors import (
    DroppedTermError,
    JsonLdProcessingError,
    RelativeIriError,
    SigningError,
    UndefinedTermError,
    UnsupportedJsonLdError,
)
from signing.loader import PinnedLoader

#: pyld's default base (3.0.0 "BREAKING"); an IRI under it means a relative IRI leaked through.
PYLD_DEFAULT_BASE: Final = "http://example.org/base/"
_KEYWORDS_WITH_IRI_VALUES: Final = frozenset({"@id", "@type"})

#: Resolved contexts kept per thread and loader (pyld's own shared cache holds 100): pinned
#: URLs and inline contexts, which the document chooses, so the cache is bounded.
_RESOLVED_PER_THREAD: Final = 100
_LOADERS_PER_THREAD: Final = 8
_THREAD: Final = threading.local()
#: Characters of a fast-path refusal's reason kept in the error (it may quote document text).
_MAX_WHY: Final = 300


class _BoundedCache(dict[str, Any]):
    """The `shared_cache` pyld's ContextResolver reads (get) and fills (item assignment)."""

    def __setitem__(self, key: str, value: Any) -> None:
        if len(self) >= _RESOLVED_PER_THREAD and key not in self:
            self.clear()
        super().__setitem__(key, value)


def _resolver(loader: PinnedLoader) -> Any:
    """A ContextResolver over this thread's cache for `loader`: never shared between threads."""
    caches: dict[int, tuple[PinnedLoader, _BoundedCache]] | None = getattr(_THREAD, "caches", None)
    if caches is None:
        caches = _THREAD.caches = {}
    entry = caches.get(id(loader))
    if entry is None or entry[0] is not loader:
        if len(caches) >= _LOADERS_PER_THREAD:
            caches.clear()
        entry = caches[id(loader)] = (loader, _BoundedCache())
    return ContextResolver(entry[1], loader)


class _MeteredProcessor(JsonLdProcessor):  # type: ignore[misc] # pyld is untyped
    """pyld's processor with a budget check on every expansion and node map step.

    Both recurse once per JSON value, and node map generation's cost is in its per-value step
    (the duplicate check scans the property's values), so between two checks there is at most
    one such scan.
    """

    def __init__(self, meter: Meter) -> None:
        super().__init__(on_property_dropped=_raise_dropped)
        self._meter = meter

    def _expand(self, *args: Any, **kwargs: Any) -> Any:
        self._meter.tick()
        return super()._expand(*args, **kwargs)

    def _create_node_map(self, *args: Any, **kwargs: Any) -> Any:
        self._meter.tick()
        return super()._create_node_map(*args, **kwargs)

    def _graph_to_rdf(self, *args: Any, **kwargs: Any) -> Any:
        self._meter.tick()
        return super()._graph_to_rdf(*args, **kwargs)


def _raise_dropped(expanded_property: str | None) -> None:
    # pyld passes the *expanded* key: the term itself when nothing defines it (no @vocab), None
    # when the context maps the term to null on purpose.
    if expanded_property is None:
        raise DroppedTermError("a term the context maps to null would be dropped from the graph")
    raise UndefinedTermError(
        f"term {expanded_property!r} is not defined by the document's contexts and would be "
        "dropped from the signed graph"
    )


def _is_absolute(iri: str) -> bool:
    scheme, colon, _ = iri.partition(":")
    return bool(colon) and bool(scheme) and scheme[0].isalpha() and " " not in iri


def _check_iri(iri: Any, where: str) -> None:
    if not isinstance(iri, str):
        return
    if iri.startswith("_:"):
        return
    if not _is_absolute(iri) or iri.startswith(PYLD_DEFAULT_BASE):
        raise RelativeIriError(
            f"{where} {iri!r} is a relative IRI; with a null base IRI it cannot be signed"
        )


def _check_type_value(value: Any) -> None:
    if isinstance(value, str) and not value.startswith("_:") and not _is_absolute(value):
        raise UndefinedTermError(f"type {value!r} is not defined by the document's contexts")
    _check_iri(value, "type")


def check_expanded(element: Any) -> None:  # noqa: C901 - one branch per kind of expanded member pyld's toRdf would skip
    """Refuse anything in expanded JSON-LD that pyld's to_rdf would silently skip."""
    stack = [element]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
            continue
        if not isinstance(item, dict):
            continue
        if "@value" in item:
            if "@direction" in item:
                raise DroppedTermError("@direction on a literal is dropped by RDF conversion")
            datatype = item.get("@type")
            if datatype is not None and datatype != "@json":
                _check_iri(datatype, "datatype")
            continue
        for key, value in item.items():
            if key == "@id":
                _check_iri(value, "@id")
            elif key == "@type":
                for type_value in value if isinstance(value, list) else [value]:
                    _check_type_value(type_value)
            elif key.startswith("@"):
                stack.append(value)
            elif key.startswith("_:"):
                raise DroppedTermError(f"blank-node predicate {key!r} is dropped from RDF")
            else:
                _check_iri(key, "property")
                stack.append(value)


def _root_signing_error(exc: BaseException) -> SigningError | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, SigningError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def reference_to_nquads(
    document: dict[str, Any],
    loader: PinnedLoader,
    *,
    limits: JsonLdLimits = DEFAULT_JSONLD_LIMITS,
    deadline: float | None = None,
) -> str:
    """pyld path: lossless expansion, then N-Quads. Raises DataLossError subclasses, and
    JsonLdBudgetError / DeadlineExceededError when `limits` or `deadline` run out. Runs even
    when `limits.reference_path` is false: the caller chose this path explicitly."""
    check_items(document, limits.max_items)
    processor = _MeteredProcessor(Meter(limits.max_cpu_seconds, deadline))
    options: dict[str, Any] = {
        "base": None,  # DI: the base URL is null; relative IRIs stay relative and are refused
        "documentLoader": loader,
        "contextResolver": _resolver(loader),
        "processingMode": "json-ld-1.1",
        "extractAllScripts": False,
        "produceGeneralizedRdf": False,
        "rdfDirection": None,
    }
    try:
        expanded = processor.expand(document, options)
        check_expanded(expanded)
        # pyld's JsonLdProcessor.to_rdf after its expand step (pyld 3.3 jsonld.py), so the
        # document is expanded once, not twice.
        issuer = IdentifierIssuer("_:b")
        node_map: dict[str, Any] = {"@default": {}}
        processor._create_node_map(expanded, node_map, "@default", issuer)  # noqa: SLF001 - see above
        dataset: dict[str, Any] = {}
        for graph_name, graph in sorted(node_map.items()):
            if graph_name != "@default" and not graph_name.startswith("_:"):
                _check_iri(graph_name, "graph name")
            dataset[graph_name] = processor._graph_to_rdf(graph, issuer, options)  # noqa: SLF001 - as above
        nquads: str = processor.to_nquads(dataset)
    except SigningError:
        raise
    except JsonLdError as exc:
        root = _root_signing_error(exc)
        if root is not None:
            raise root from exc
        raise JsonLdProcessingError(f"invalid JSON-LD: {_describe(exc)}") from exc
    except (TypeError, ValueError, KeyError, AttributeError, RecursionError) as exc:
        raise JsonLdProcessingError(f"invalid JSON-LD: {type(exc).__name__}: {exc}") from exc
    return nquads


def _describe(exc: BaseException) -> str:
    parts: list[str] = []
    current: BaseException | None = exc
    while current is not None and len(parts) < 4:
        code = getattr(current, "code", None)
        parts.append(
            f"{current.args[0] if current.args else current}" + (f" ({code})" if code else "")
        )
        current = current.__cause__
    return "; ".join(parts)


def refusal(unsupported: fast_rdf.Unsupported, pointer_prefix: str = "") -> SigningError:
    """The error for what the fast path does not model when pyld may not run: the DataLossError
    the reference path would raise, or UnsupportedJsonLdError; both carry the JSON pointer
    (`pointer_prefix` is where the document sits, e.g. "/proof/1" for a proof configuration)."""
    pointer = pointer_prefix + unsupported.pointer
    why = unsupported.why[:_MAX_WHY] + ("…" if len(unsupported.why) > _MAX_WHY else "")
    if unsupported.loss is not None:
        error = unsupported.loss(f"{why} (at {pointer or '/'})")
        error.pointer = pointer
        return error
    return UnsupportedJsonLdError(why, pointer=pointer)


def to_nquads(
    document: dict[str, Any],
    loader: PinnedLoader,
    *,
    fast: bool = True,
    limits: JsonLdLimits = DEFAULT_JSONLD_LIMITS,
    deadline: float | None = None,
) -> str:
    """N-Quads for `document`, lossless; the compiled fast path first when `fast` is true."""
    dataset = to_dataset(document, loader, fast=fast, limits=limits, deadline=deadline)
    if isinstance(dataset, str):
        return dataset
    return "".join(serialize_quad(s, p, o, g) for s, p, o, g in dataset)


def to_dataset(
    document: dict[str, Any],
    loader: PinnedLoader,
    *,
    fast: bool = True,
    limits: JsonLdLimits = DEFAULT_JSONLD_LIMITS,
    deadline: float | None = None,
    pointer_prefix: str = "",
) -> list[Quad] | str:
    """`document`'s dataset, lossless: the fast path's quads, or else the reference N-Quads text
    (within `limits`; refused with `refusal` when `limits.reference_path` is false).

    The quads go straight to `signing.canon.canonicalize_quads`, the text to
    `canonicalize_nquads`; both give the same canonical form
    (tests/unit/signing/test_fast_rdf.py). `fast=False` forces the reference path (tests,
    benchmarks).
    """
    if fast:
        try:
            return fast_rdf.dataset_quads(document, loader, deadline=deadline)
        except fast_rdf.Unsupported as unsupported:
            if not limits.reference_path:
                raise refusal(unsupported, pointer_prefix) from None
    return reference_to_nquads(document, loader, limits=limits, deadline=deadline)
