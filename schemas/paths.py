"""Where the data files shipped with the `schemas` package live."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
CONTEXTS_DIR = PACKAGE_DIR / "contexts"
#: Pinned JSON-LD contexts {"contexts": [{"url", "file", "sha256"}]}; files relative to this dir.
CONTEXTS_MANIFEST = CONTEXTS_DIR / "manifest.json"
