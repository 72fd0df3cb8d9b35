"""The pinned, offline JSON-LD document loader (R1, R2; J1).

Only URLs listed in a context manifest resolve; each file's sha256 is checked once, when the loader
is built, and any other URL raises `ContextNotAllowedError` naming it. Nothing is ever fetched.

pyld caches processed contexts keyed by URL only (signing.md §5, "Cross-loader cache bleed");
signing keeps those caches per thread and loader, but any pyld cache shared by loaders (pyld's
own process-wide one, used by plain `jsonld.*` calls) must never serve one loader's context to
another. So every loader in a process shares one URL -> sha256 registry, and a second loader
that pins different bytes for a URL already pinned is refused. Use `default_loader()` in
production code: one loader per process.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from schemas import strict_json
from schemas.paths import CONTEXTS_MANIFEST
from signing.errors import (
    ContextHashMismatchError,
    ContextManifestError,
    ContextNotAllowedError,
)

#: Contexts are a few kB; the cap keeps a wrong manifest entry from reading a huge file.
MAX_CONTEXT_BYTES: Final = 256 * 1024

_PINNED_SHA256: dict[str, str] = {}
_PIN_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class PinnedContext:
    """One pinned context: its URL, local file, expected SHA-256 and parsed document."""

    url: str
    path: Path
    sha256: str
    document: Any


def _pin_process_wide(url: str, sha256: str) -> None:
    with _PIN_LOCK:
        known = _PINNED_SHA256.setdefault(url, sha256)
    if known != sha256:
        raise ContextManifestError(
            f"context {url} is already pinned to sha256 {known[:16]}… in this process; a second "
            "loader may not pin other bytes for it (pyld caches contexts by URL)"
        )


def _read_manifest(manifest: Path) -> list[PinnedContext]:
    try:
        data = strict_json.loads(manifest.read_bytes())
    except OSError as exc:
        raise ContextManifestError(f"cannot read context manifest {manifest}: {exc}") from exc
    except strict_json.JSONInputError as exc:
        raise ContextManifestError(f"context manifest {manifest} is not valid JSON: {exc}") from exc
    entries = data.get("contexts") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ContextManifestError(f"context manifest {manifest} has no 'contexts' list")
    pinned = []
    for entry in entries:
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(k), str) for k in ("url", "file", "sha256")
        ):
            raise ContextManifestError(f"manifest {manifest}: entry needs url, file, sha256")
        pinned.append(_read_context(manifest.parent, entry["url"], entry["file"], entry["sha256"]))
    return pinned


def _read_context(root: Path, url: str, file: str, sha256: str) -> PinnedContext:
    path = (root / file).resolve()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ContextManifestError(f"cannot read pinned context {url} ({path}): {exc}") from exc
    if len(raw) > MAX_CONTEXT_BYTES:
        raise ContextManifestError(f"pinned context {url} is larger than {MAX_CONTEXT_BYTES} bytes")
    digest = hashlib.sha256(raw).hexdigest()
    if digest != sha256.lower():
        raise ContextHashMismatchError(
            f"context {url} ({path.name}) has sha256 {digest}, the manifest pins {sha256}"
        )
    try:
        document = strict_json.loads(raw)
    except strict_json.JSONInputError as exc:
        raise ContextManifestError(f"pinned context {url} is not valid JSON: {exc}") from exc
    return PinnedContext(url=url, path=path, sha256=digest, document=document)


class PinnedLoader:
    """A pyld document loader `(url, options) -> RemoteDocument` over pinned files only."""

    def __init__(self, manifests: Iterable[str | Path] = (CONTEXTS_MANIFEST,)) -> None:
        self.manifests: tuple[Path, ...] = tuple(Path(m).resolve() for m in manifests)
        contexts: dict[str, PinnedContext] = {}
        for manifest in self.manifests:
            for pinned in _read_manifest(manifest):
                previous = contexts.get(pinned.url)
                if previous is not None and previous.sha256 != pinned.sha256:
                    raise ContextManifestError(f"context {pinned.url} pinned twice, differently")
                contexts[pinned.url] = pinned
        for pinned in contexts.values():
            _pin_process_wide(pinned.url, pinned.sha256)
        self._contexts: Mapping[str, PinnedContext] = contexts

    @property
    def urls(self) -> frozenset[str]:
        """Every context URL this loader resolves."""
        return frozenset(self._contexts)

    def context(self, url: str) -> PinnedContext:
        """The pinned context for `url`; ContextNotAllowedError if it is not pinned (J1)."""
        pinned = self._contexts.get(url)
        if pinned is None:
            raise ContextNotAllowedError(url)
        return pinned

    def __call__(self, url: str, options: Any = None) -> dict[str, Any]:  # noqa: ARG002 - pyld API
        """pyld's documentLoader: the pinned document for `url`, never a network fetch (J1)."""
        pinned = self.context(url)
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": pinned.document,
            # 'static' lets pyld keep the processed context in its shared cache: safe, because
            # the URL -> bytes binding is the same for every loader in this process (see above).
            "tag": "static",
        }

    def __reduce__(self) -> tuple[Any, ...]:
        # Worker processes rebuild the loader from the same manifests (hashes re-checked there).
        return (PinnedLoader, (self.manifests,))


@functools.cache
def default_loader() -> PinnedLoader:
    """The process's loader over the production manifest (`schemas/contexts/manifest.json`)."""
    return PinnedLoader()
