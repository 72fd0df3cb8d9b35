"""NODE/pact/: the facade's own files (clients, partners), JSON, owner-only (0600)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from gateway.errors import GatewayError


class PactFileError(GatewayError):
    """A PACT client or partner file that cannot be read, or an entry that is refused."""

    reason = "PACT_FILE_INVALID"


def pact_dir(node_root: Path) -> Path:
    """NODE/pact/ (made 0700 on first write)."""
    return node_root / "pact"


def read_entries(path: Path) -> dict[str, dict[str, Any]]:
    """The file's entries by key; {} when it does not exist yet."""
    if not path.exists():
        return {}
    if path.stat().st_mode & 0o077:
        raise PactFileError(f"{path} must be readable by its owner only (chmod 600)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PactFileError(f"{path}: {exc}") from exc
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise PactFileError(f"{path} is not an object of entries")
    return data


def write_entries(path: Path, entries: dict[str, dict[str, Any]]) -> None:
    """Replace the file atomically, 0600 from the first byte (it holds secrets or hashes)."""
    path.parent.mkdir(mode=0o700, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(entries, out, indent=1, sort_keys=True)
    tmp.replace(path)
