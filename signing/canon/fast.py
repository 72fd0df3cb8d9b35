"""Fast RDFC-1.0 path: pyoxigraph's compiled canonicalizer, used only where it cannot blow up.

pyoxigraph (0.5) puts no bound on Hash N-Degree Quads work (oxigraph #1838), so this module
decides before calling it. When every blank node's first-degree quads are distinct (RDF-CANON
§4.4.3 step 4 then issues every canonical identifier and Hash N-Degree Quads never runs), the
work is linear and pyoxigraph's answer is taken. Anything else returns None and the caller uses
the bounded reference path, which also decides every input pyoxigraph parses differently.
"""

from __future__ import annotations

import re

import pyoxigraph

from signing.canon.limits import CanonLimits
from signing.errors import CanonicalizationLimitError

_ALGORITHMS = {
    "sha256": pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0,
    "sha384": pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0_SHA_384,
}

# pyoxigraph lowercases language tags; RDFC-1.0 keeps them as written, so any input that might
# carry an uppercase tag goes to the reference path. Over-matching (e.g. inside an IRI) only
# costs speed.
_MAYBE_UPPERCASE_LANGTAG = re.compile(r'"@[A-Za-z0-9-]*[A-Z]')
_BLANK = pyoxigraph.BlankNode


def _first_degree_signatures_unique(dataset: pyoxigraph.Dataset, limits: CanonLimits) -> bool:
    """True when no two blank nodes have the same first-degree quads (so the same hash).

    Compares the unhashed line multisets, which is what RDF-CANON §4.6 hashes: equal lines
    give equal hashes, and distinct lines give distinct SHA-2 hashes.
    """
    lines: dict[pyoxigraph.BlankNode, list[tuple[str, str, str, str]]] = {}
    for quad in dataset:
        subject, obj, graph = quad.subject, quad.object, quad.graph_name
        mentioned = [term for term in (subject, obj, graph) if type(term) is _BLANK]
        if not mentioned:
            continue
        predicate = str(quad.predicate)
        for node in set(mentioned):
            lines.setdefault(node, []).append(
                (
                    _stand_in(subject, node),
                    predicate,
                    _stand_in(obj, node),
                    _stand_in(graph, node),
                )
            )
        if len(lines) > limits.max_blank_nodes:
            raise CanonicalizationLimitError("max_blank_nodes", limits.max_blank_nodes)
    seen: set[tuple[tuple[str, str, str, str], ...]] = set()
    for node_lines in lines.values():
        node_lines.sort()
        signature = tuple(node_lines)
        if signature in seen:
            return False
        seen.add(signature)
    return True


def _stand_in(term: object, node: pyoxigraph.BlankNode) -> str:
    if type(term) is _BLANK:
        return "_:a" if term == node else "_:z"
    return str(term)


def try_canonicalize(nquads: str, hash_algorithm: str, limits: CanonLimits) -> str | None:
    """Canonical N-Quads from pyoxigraph, or None when the reference path must decide."""
    if _MAYBE_UPPERCASE_LANGTAG.search(nquads):
        return None
    try:
        dataset = pyoxigraph.Dataset(pyoxigraph.parse(nquads, pyoxigraph.RdfFormat.N_QUADS))
    except (SyntaxError, ValueError):
        return None  # the reference parser reports the error, or accepts what oxigraph refused
    if len(dataset) > limits.max_quads:
        raise CanonicalizationLimitError("max_quads", limits.max_quads)
    if not _first_degree_signatures_unique(dataset, limits):
        return None
    dataset.canonicalize(_ALGORITHMS[hash_algorithm])
    serialized = pyoxigraph.serialize(dataset, format=pyoxigraph.RdfFormat.N_QUADS)
    assert isinstance(serialized, bytes)  # no output file given, so pyoxigraph returns the bytes
    text = serialized.decode()
    # Split on LF only: canonical literals escape LF but keep U+2028, U+0085 etc. raw.
    lines = sorted(text.split("\n")[:-1])
    return "".join(f"{line}\n" for line in lines)
