"""Fast RDFC-1.0 path: pyoxigraph's compiled canonicalizer, used only where it cannot blow up.

pyoxigraph (0.5) puts no bound on Hash N-Degree Quads work (oxigraph #1838), so this module
decides before calling it. When every blank node's first-degree quads are distinct (RDF-CANON
§4.4.3 step 4 then issues every canonical identifier and Hash N-Degree Quads never runs), the
work is linear and pyoxigraph's answer is taken. Anything else returns None and the caller uses
the bounded reference path, which also decides every input pyoxigraph parses differently.

This path yields canonical N-Quads only, never the issued identifiers map (RDF-CANON §4.4.3
step 7): pyoxigraph's ``Dataset.canonicalize`` relabels blank nodes in place and returns
nothing, so the input labels are gone. The W3C map tests therefore run on the reference and
structured paths (`canonical_issued_map`, `canonical_issued_map_quads`), not here.
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


def _first_degree_hashes_unique(dataset: pyoxigraph.Dataset, limits: CanonLimits) -> bool:
    """True when no two blank nodes can share a first-degree hash (RDF-CANON §4.6).

    Each node gets a multiset hash (a sum of Python hashes) of its first-degree quads, itself
    as ``_:a`` and other blank nodes as ``_:z``. Equal quad multisets always give equal sums,
    so a real tie is never missed; a chance collision of sums only sends a harmless dataset to
    the reference path. The dataset is a set, so each quad counts once, as in the spec.
    """
    sums: dict[pyoxigraph.BlankNode, int] = {}
    for s, p, o, g in dataset:
        s_blank, o_blank, g_blank = type(s) is _BLANK, type(o) is _BLANK, type(g) is _BLANK
        if not (s_blank or o_blank or g_blank):
            continue
        if s_blank and not o_blank and not g_blank:  # the usual shape: a property of one node
            sums[s] = sums.get(s, 0) + hash(("_:a", p, o, g))
            continue
        for node in {term for term in (s, o, g) if type(term) is _BLANK}:
            line = (
                ("_:a" if s == node else "_:z") if s_blank else s,
                p,
                ("_:a" if o == node else "_:z") if o_blank else o,
                ("_:a" if g == node else "_:z") if g_blank else g,
            )
            sums[node] = sums.get(node, 0) + hash(line)
    if len(sums) > limits.max_blank_nodes:
        raise CanonicalizationLimitError("max_blank_nodes", limits.max_blank_nodes)
    return len(set(sums.values())) == len(sums)


def try_canonicalize(nquads: str, hash_algorithm: str, limits: CanonLimits) -> str | None:
    """Canonical N-Quads from pyoxigraph, or None when the reference path must decide."""
    if _MAYBE_UPPERCASE_LANGTAG.search(nquads):
        return None
    try:
        # Encode here: pyoxigraph mistakes a str it cannot encode (a lone surrogate) for a file.
        data = nquads.encode()
        dataset = pyoxigraph.Dataset(pyoxigraph.parse(data, pyoxigraph.RdfFormat.N_QUADS))
    except (SyntaxError, ValueError):
        return None  # the reference parser reports the error, or accepts what oxigraph refused
    if len(dataset) > limits.max_quads:
        raise CanonicalizationLimitError("max_quads", limits.max_quads)
    if not _first_degree_hashes_unique(dataset, limits):
        return None
    dataset.canonicalize(_ALGORITHMS[hash_algorithm])
    text = str(dataset)  # N-Quads, one quad per line, canonical term syntax
    # Split on LF only: canonical literals escape LF but keep U+2028, U+0085 etc. raw.
    lines = sorted(text.split("\n")[:-1])
    return "".join(f"{line}\n" for line in lines)
