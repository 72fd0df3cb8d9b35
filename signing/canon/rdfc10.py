"""Reference RDFC-1.0 canonicalizer (W3C RDF Dataset Canonicalization, RDF-CANON §4), bounded.

A direct, readable transcription of the spec's algorithms; section numbers in comments are those
of the W3C Recommendation (https://www.w3.org/TR/rdf-canon/). Work in Hash N-Degree Quads is
metered against `CanonLimits` so poisoned datasets fail fast (RDF-CANON §4.4.3, "Dataset
Poisoning"), and the caller's deadline (a `time.monotonic()` value) is checked as it goes.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Container
from dataclasses import dataclass, field
from typing import Literal

from signing.budget import check_deadline
from signing.canon.limits import CanonLimits
from signing.canon.nquads import Quad, serialize_quad
from signing.errors import CanonicalizationLimitError, UnsupportedHashAlgorithmError

HashAlgorithm = Literal["sha256", "sha384"]

_HASHES: dict[str, Callable[[bytes], hashlib._Hash]] = {
    "sha256": hashlib.sha256,
    "sha384": hashlib.sha384,
}


def hasher(name: str) -> Callable[[str], str]:
    """Hex digest function for an RDFC-1.0 hash algorithm name (RDF-CANON §4.2: SHA-256 default)."""
    factory = _HASHES.get(name)
    if factory is None:
        raise UnsupportedHashAlgorithmError(f"unsupported RDFC-1.0 hash algorithm {name!r}")

    def digest(data: str) -> str:
        return factory(data.encode()).hexdigest()

    return digest


@dataclass(slots=True)
class IdentifierIssuer:
    """RDF-CANON §4.5 Issue Identifier algorithm; ``issued`` keeps issuance order."""

    prefix: str
    counter: int = 0
    issued: dict[str, str] = field(default_factory=dict)

    def issue(self, existing: str) -> str:
        """The identifier for `existing`, issuing the next one on first sight (RDF-CANON §4.5)."""
        identifier = self.issued.get(existing)
        if identifier is None:
            identifier = f"{self.prefix}{self.counter}"
            self.issued[existing] = identifier
            self.counter += 1
        return identifier

    def copy(self) -> IdentifierIssuer:
        """An independent copy, for the trial issuers of the N-degree hash (RDF-CANON §4.8)."""
        return IdentifierIssuer(self.prefix, self.counter, dict(self.issued))


@dataclass(frozen=True, slots=True)
class CanonicalResult:
    """Canonical N-Quads plus the issued identifiers map (input label -> canonical label)."""

    nquads: str
    issued: dict[str, str]


def first_degree_lines(reference: str, quads: list[Quad], blanks: Container[str]) -> list[str]:
    """RDF-CANON §4.6.3 steps 1-3: the node's quads, itself as ``_:a``, other blank nodes ``_:z``.

    Returned sorted; their concatenation is what the first-degree hash covers.
    """
    lines = []
    for s, p, o, g in quads:
        if s in blanks:
            s = "_:a" if s == reference else "_:z"  # noqa: PLW2901 - substitution in place reads best
        if o in blanks:
            o = "_:a" if o == reference else "_:z"  # noqa: PLW2901
        if g in blanks:
            g = "_:a" if g == reference else "_:z"  # noqa: PLW2901
        lines.append(serialize_quad(s, p, o, g))
    lines.sort()
    return lines


def blank_node_quads(quads: list[Quad]) -> dict[str, list[Quad]]:
    """RDF-CANON §4.4.3 step 2: every quad each blank node occurs in (subject, object or graph).

    Terms are canonical (see `signing.canon.nquads`): subjects and objects are never empty, and
    a term is a blank node exactly when it starts with ``_`` (IRIs start ``<``, literals ``"``).
    """
    mentions: dict[str, list[Quad]] = {}
    for quad in quads:
        s, _, o, g = quad
        if s[0] == "_":
            if (found := mentions.get(s)) is None:
                mentions[s] = [quad]
            else:
                found.append(quad)
        if o[0] == "_" and o != s:
            if (found := mentions.get(o)) is None:
                mentions[o] = [quad]
            else:
                found.append(quad)
        if g and g[0] == "_" and g not in {s, o}:
            mentions.setdefault(g, []).append(quad)
    return mentions


def first_degree_hash(reference: str, quads: list[Quad], digest: Callable[[str], str]) -> str:
    """RDF-CANON §4.6.3 Hash First Degree Quads: `first_degree_lines` joined and hashed, inlined.

    Every quad here mentions `reference`, and a term is a blank node exactly when it starts with
    ``_`` (see `blank_node_quads`), so a blank term is ``_:a`` when it is `reference` and ``_:z``
    otherwise, as in `first_degree_lines`.
    """
    lines = []
    for s, p, o, g in quads:
        if s == reference:
            s = "_:a"  # noqa: PLW2901 - substitution in place reads best
        elif s[0] == "_":
            s = "_:z"  # noqa: PLW2901
        if o[0] == "_":
            o = "_:a" if o == reference else "_:z"  # noqa: PLW2901
        if g:
            if g[0] == "_":
                g = "_:a" if g == reference else "_:z"  # noqa: PLW2901
            lines.append(f"{s} {p} {o} {g} .\n")
        else:
            lines.append(f"{s} {p} {o} .\n")
    lines.sort()
    return digest("".join(lines))


class _Canonicalizer:
    def __init__(
        self,
        quads: list[Quad],
        hash_algorithm: str,
        limits: CanonLimits,
        deadline: float | None = None,
    ) -> None:
        self.quads = quads
        self.hash = hasher(hash_algorithm)
        self.limits = limits
        self.deadline = deadline
        self.mentions = blank_node_quads(quads)
        if len(self.mentions) > limits.max_blank_nodes:
            raise CanonicalizationLimitError("max_blank_nodes", limits.max_blank_nodes)
        self.canonical = IdentifierIssuer("c14n")
        self.first_degree: dict[str, str] = {}
        self.work = 0

    def _spend(self, units: int) -> None:
        self.work += units
        if self.work > self.limits.max_ndegree_work:
            raise CanonicalizationLimitError("max_ndegree_work", self.limits.max_ndegree_work)
        if self.deadline is not None:
            check_deadline(self.deadline)

    def run(self) -> CanonicalResult:
        # §4.4.3 step 3: first-degree hashes, grouped by hash.
        by_hash: dict[str, list[str]] = {}
        deadline = self.deadline
        check_deadline(deadline)
        for index, (node, quads) in enumerate(self.mentions.items()):
            if deadline is not None and index % 256 == 255:
                check_deadline(deadline)
            digest = first_degree_hash(node, quads, self.hash)
            self.first_degree[node] = digest
            by_hash.setdefault(digest, []).append(node)
        # Step 4: nodes with a unique first-degree hash get canonical ids in hash order.
        shared: list[list[str]] = []
        for digest in sorted(by_hash):
            nodes = by_hash[digest]
            if len(nodes) == 1:
                self.canonical.issue(nodes[0])
            else:
                shared.append(nodes)
        # Step 5: the rest are told apart by Hash N-Degree Quads, in first-degree hash order.
        for nodes in shared:
            paths: list[tuple[str, IdentifierIssuer]] = []
            for node in nodes:
                if node in self.canonical.issued:
                    continue
                temporary = IdentifierIssuer("b")
                temporary.issue(node)
                paths.append(self._hash_n_degree(node, temporary, depth=1))
            for _, issuer in sorted(paths, key=lambda result: result[0]):
                for existing in issuer.issued:
                    self.canonical.issue(existing)
        check_deadline(self.deadline)
        # Step 6: relabel and serialize, sorted in code point order (§"Canonical N-Quads").
        # Only blank nodes are keys of `label`: IRIs, literals and "" map to themselves.
        label = {node: f"_:{ident}" for node, ident in self.canonical.issued.items()}
        relabel = label.get
        lines = [
            f"{relabel(s, s)} {p} {relabel(o, o)} {relabel(g, g)} .\n"
            if g
            else f"{relabel(s, s)} {p} {relabel(o, o)} .\n"
            for s, p, o, g in self.quads
        ]
        lines.sort()
        issued = {node[2:]: ident for node, ident in self.canonical.issued.items()}
        return CanonicalResult("".join(lines), issued)

    def _related_hash(
        self, related: str, quad: Quad, issuer: IdentifierIssuer, position: str
    ) -> str:
        """RDF-CANON §4.7.3 Hash Related Blank Node."""
        ident = self.canonical.issued.get(related) or issuer.issued.get(related)
        identifier = f"_:{ident}" if ident else self.first_degree[related]
        predicate = quad[1] if position != "g" else ""
        return self.hash(f"{position}{predicate}{identifier}")

    def _hash_n_degree(
        self, node: str, issuer: IdentifierIssuer, depth: int
    ) -> tuple[str, IdentifierIssuer]:
        """RDF-CANON §4.8.3 Hash N-Degree Quads, metered (see `CanonLimits`)."""
        if depth > self.limits.max_ndegree_depth:
            raise CanonicalizationLimitError("max_ndegree_depth", self.limits.max_ndegree_depth)
        quads = self.mentions[node]
        self._spend(1 + len(quads))
        # Steps 1-3: group related blank nodes by their related hash.
        related_by_hash: dict[str, list[str]] = {}
        for quad in quads:
            for position, term in zip("sog", (quad[0], quad[2], quad[3]), strict=True):
                if term != node and term in self.mentions:
                    digest = self._related_hash(term, quad, issuer, position)
                    related_by_hash.setdefault(digest, []).append(term)
        # Steps 4-5: for each group, the lexicographically least path over all permutations.
        data = []
        for digest in sorted(related_by_hash):
            data.append(digest)
            chosen_path = ""
            chosen_issuer: IdentifierIssuer | None = None
            for permutation in itertools.permutations(related_by_hash[digest]):
                self._spend(len(permutation))
                path, issuer_copy = self._permutation_path(permutation, issuer, chosen_path, depth)
                if path is not None and (not chosen_path or path < chosen_path):
                    chosen_path, chosen_issuer = path, issuer_copy
            data.append(chosen_path)
            assert chosen_issuer is not None  # at least one permutation always completes
            issuer = chosen_issuer
        return self.hash("".join(data)), issuer

    def _permutation_path(
        self,
        permutation: tuple[str, ...],
        issuer: IdentifierIssuer,
        chosen_path: str,
        depth: int,
    ) -> tuple[str | None, IdentifierIssuer]:
        """Steps 5.4.1-5.4.5: the path for one permutation, or None once it cannot win."""
        issuer_copy = issuer.copy()
        path = ""
        recursion: list[str] = []
        for related in permutation:
            if (ident := self.canonical.issued.get(related)) is not None:
                path += f"_:{ident}"
            else:
                if related not in issuer_copy.issued:
                    recursion.append(related)
                path += f"_:{issuer_copy.issue(related)}"
            if _cannot_win(path, chosen_path):
                return None, issuer_copy
        for related in recursion:
            result, issuer_copy = self._hash_n_degree(related, issuer_copy, depth + 1)
            path += f"_:{issuer_copy.issue(related)}<{result}>"
            if _cannot_win(path, chosen_path):
                return None, issuer_copy
        return path, issuer_copy


def _cannot_win(path: str, chosen_path: str) -> bool:
    # §4.8.3 steps 5.4.4.3 and 5.4.5.5.
    return bool(chosen_path) and len(path) >= len(chosen_path) and path > chosen_path


def canonicalize_dataset(
    quads: list[Quad], hash_algorithm: str, limits: CanonLimits, deadline: float | None = None
) -> CanonicalResult:
    """RDF-CANON §4.4 Canonicalization algorithm over parsed, distinct quads."""
    return _Canonicalizer(quads, hash_algorithm, limits, deadline).run()
