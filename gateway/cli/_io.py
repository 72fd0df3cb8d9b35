"""Reading and writing the files a command is given, with one typed error for all that can go
wrong with a user's path (missing, a directory, a symlink loop, unreadable, binary, too large).

Every message names the file and, where it is not obvious, the option that named it.
"""

from __future__ import annotations

import errno
import json
import sys
from pathlib import Path
from typing import Any

from gateway.errors import GatewayError
from gateway.log.checkpoint import NoteKey
from gateway.log.errors import LogError
from schemas import strict_json
from signing.errors import KeyFileError, KeyFilePermissionError
from signing.keys import PrivateKey, load_key

# Far above any credential, key or proof a node exchanges, and small enough to hold in memory:
# `/dev/zero` or a disk image given by mistake is refused instead of read to the end.
MAX_INPUT_BYTES = 16 * 1024 * 1024


class InputFileError(GatewayError):
    """A file or option the command was given cannot be used; the message says why and how."""

    reason = "INPUT_FILE_UNREADABLE"

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        if reason is not None:  # the reason of the error it reports (e.g. DUPLICATE_KEY)
            self.reason = reason


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """'1 violation', '2 violations', '1 entry', '3 entries' (a count a user reads)."""
    if count == 1:
        return f"1 {noun}"
    if plural_form is None:
        plural_form = (
            noun[:-1] + "ies" if noun.endswith("y") and noun[-2:-1] not in "aeiou" else noun + "s"
        )
    return f"{count} {plural_form}"


def why(exc: OSError) -> str:
    """The OS error in words a user acts on (errno names are stable across platforms)."""
    known = {
        errno.ENOENT: "no such file or directory",
        errno.EISDIR: "is a directory, not a file",
        errno.ELOOP: "is a symbolic link loop",
        errno.EACCES: "permission denied",
        errno.ENOTDIR: "a part of the path is not a directory",
    }
    return known.get(exc.errno or 0, exc.strerror or str(exc))


def _named(path: Path | str, option: str | None) -> str:
    return f"{option} {path}" if option else str(path)


def read_bytes(path: Path, *, option: str | None = None, max_bytes: int = MAX_INPUT_BYTES) -> bytes:
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise InputFileError(f"cannot read {_named(path, option)}: {why(exc)}") from exc
    if len(data) > max_bytes:
        raise InputFileError(f"{_named(path, option)} is larger than {max_bytes} bytes")
    return data


def read_text(path: Path, *, option: str | None = None) -> str:
    data = read_bytes(path, option=option)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputFileError(f"{_named(path, option)} is not UTF-8 text") from exc


def read_note_key(path: Path, *, option: str, key_name: str | None = None) -> NoteKey:
    """A log's public key file (its `log.vkey`), or the typed error naming the option."""
    try:
        return NoteKey.from_text(read_text(path, option=option), key_name)
    except InputFileError as exc:
        raise InputFileError(f"{exc}; give the node's log.vkey (NODE/log.vkey)") from exc
    except LogError as exc:
        raise InputFileError(
            f"{option} {path} is not a log key ({exc}); give the node's log.vkey (NODE/log.vkey)"
        ) from exc


def read_key(path: Path, option: str | None = None) -> PrivateKey:
    """The private key in `path`; an unusable file is reported against `option`."""
    named = f"{option}: " if option else ""
    try:
        return load_key(path)
    except KeyFilePermissionError as exc:
        raise InputFileError(f"{named}{exc}", exc.reason) from exc  # it says the fix (chmod)
    except KeyFileError as exc:
        raise InputFileError(
            f"{named}{exc}; give a key file written by `cfx keys generate`", exc.reason
        ) from exc


def read_json_object(path: str) -> dict[str, Any]:
    """Strictly parse a JSON object (duplicate keys, NaN, depth refused) from a file or '-'."""
    data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1) if path == "-" else read_bytes(Path(path))
    try:
        return strict_json.loads_object(data)
    except strict_json.JSONInputError as exc:
        where = "stdin" if path == "-" else path
        if exc.reason == "MALFORMED_JSON":
            raise InputFileError(
                f"{where} is not JSON ({exc}): give a JSON file, such as a credential", exc.reason
            ) from exc
        raise InputFileError(f"{where} is not a strict JSON object: {exc}", exc.reason) from exc


def write_bytes(path: Path, data: bytes, *, option: str) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise InputFileError(
            f"cannot write {option} {path}: {why(exc)}; give a path in a writable directory"
        ) from exc


def write_json(document: Any, path: Path | None, *, option: str = "-o") -> None:
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if path is None:
        sys.stdout.write(text)
        return
    write_bytes(path, text.encode("utf-8"), option=option)
