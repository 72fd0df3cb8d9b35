"""N-Quads graphs that stress RDF canonicalization: poison cliques, look-alike lists."""

from __future__ import annotations

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DECIMAL = "http://www.w3.org/2001/XMLSchema#decimal"


def clique(size: int) -> str:
    """Every blank node linked to every other: all first-degree hashes tie (RDF-CANON poison)."""
    return "".join(
        f"_:n{i} <http://a/p> _:n{j} .\n" for i in range(size) for j in range(size) if i != j
    )


def look_alike_list(length: int) -> str:
    """An RDF list whose items are all equal: a chain of blank nodes that tie on first degree."""
    lines = []
    for i in range(length):
        rest = f"_:l{i + 1}" if i + 1 < length else f"<{RDF}nil>"
        lines.append(f'_:l{i} <{RDF}first> "same" .\n_:l{i} <{RDF}rest> {rest} .\n')
    return "".join(lines)


def credential_like(blank_nodes: int) -> str:
    """Nested anonymous objects with distinct values, as JSON-LD credentials produce them."""
    lines = ["<urn:uuid:1> <https://w3.org/cred#subject> _:o0 .\n"]
    for i in range(blank_nodes):
        lines.append(f'_:o{i} <https://vocab.example/v> "{i}.5"^^<{DECIMAL}> .\n')
        if i + 1 < blank_nodes:
            lines.append(f"_:o{i} <https://vocab.example/next> _:o{i + 1} .\n")
    return "".join(lines)
