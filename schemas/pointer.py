"""RFC 6901 JSON pointers: building them from path parts and reading values through them."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

_MISSING = object()


def escape(token: str | int) -> str:
    """One reference token escaped per RFC 6901 §3 (`~` before `/`, so `~1` cannot be misread)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def join(base: str, *tokens: str | int) -> str:
    """`base` extended by the escaped `tokens`."""
    return base + "".join("/" + escape(token) for token in tokens)


def from_path(base: str, path: Iterable[str | int]) -> str:
    """`base` extended by the tokens of an iterable path (a jsonschema `absolute_path`, say)."""
    return join(base, *path)


@lru_cache(maxsize=1024)  # rule constraints resolve the same few pointers for every footprint
def split(pointer: str) -> tuple[str, ...] | None:
    """The unescaped reference tokens of `pointer`, or None if it is not a valid pointer."""
    if pointer == "":
        return ()
    if not pointer.startswith("/"):
        return None
    return tuple(part.replace("~1", "/").replace("~0", "~") for part in pointer[1:].split("/"))


def resolve(document: Any, pointer: str) -> tuple[bool, Any]:
    """(True, value) if `pointer` names a value in `document`, else (False, None). Never raises."""
    tokens = split(pointer)
    if tokens is None:
        return False, None
    node = document
    for part in tokens:
        if isinstance(node, dict):
            node = node.get(part, _MISSING)
        elif isinstance(node, list) and part.isdigit() and (part == "0" or part[0] != "0"):
            index = int(part)
            node = node[index] if index < len(node) else _MISSING
        else:
            return False, None
        if node is _MISSING:
            return False, None
    return True, node
