"""Reading and writing the JSON documents the signing commands work on."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from gateway.errors import GatewayError
from schemas import strict_json


class InputFileError(GatewayError):
    """A file the command was told to read or write cannot be used (missing, unreadable)."""

    reason = "INPUT_FILE_UNREADABLE"


def read_json_object(path: str) -> dict[str, Any]:
    """Strictly parse a JSON object (duplicate keys, NaN, depth refused) from a file or '-'."""
    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise InputFileError(f"cannot read {path}: {exc.strerror}") from exc
    return strict_json.loads_object(data)


def write_json(document: Any, path: Path | None) -> None:
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if path is None:
        sys.stdout.write(text)
        return
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputFileError(f"cannot write {path}: {exc.strerror}") from exc
