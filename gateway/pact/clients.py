"""PACT clients (OAuth2 client credentials, pact-v3.md §2.2): each acts for one organization.

Secrets are kept only as scrypt hashes (RFC 7914; n=2**14, r=8, p=1) with a per-client salt;
`Scrypt.verify` compares in constant time. An unknown client id costs one scrypt run too, so
timing does not tell which ids exist.
"""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from gateway.pact.files import PactFileError, pact_dir, read_entries, write_entries
from gateway.trust.model import ORG_NAME_RE

_N, _R, _P, _LENGTH = 2**14, 8, 1, 32
CLIENT_ID_RE: Final = re.compile(r"[A-Za-z0-9._~-]{1,128}")
MIN_SECRET_CHARS: Final = 16
MAX_SECRET_CHARS: Final = 512
_DUMMY_SALT: Final = b"cfx-pact-unknown-client-salt"


@dataclass(frozen=True)
class PactClient:
    """A registered client: its id and the organization it acts for."""

    client_id: str
    org: str


def _kdf(salt: bytes) -> Scrypt:
    return Scrypt(salt=salt, length=_LENGTH, n=_N, r=_R, p=_P)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


class ClientStore:
    """NODE/pact/clients.json: client id -> {org, salt, hash}."""

    def __init__(self, node_root: Path) -> None:
        self._path = pact_dir(node_root) / "clients.json"

    def add(self, client_id: str, org: str, secret: str) -> PactClient:
        """Register (or replace) `client_id` for `org` with `secret`, stored hashed."""
        if CLIENT_ID_RE.fullmatch(client_id) is None:
            raise PactFileError("client id must be 1-128 characters of A-Z a-z 0-9 . _ ~ -")
        if ORG_NAME_RE.fullmatch(org) is None:
            raise PactFileError(f"{org!r:.80} is not an organization name")
        if not MIN_SECRET_CHARS <= len(secret) <= MAX_SECRET_CHARS:
            raise PactFileError(
                f"client secret must be {MIN_SECRET_CHARS}-{MAX_SECRET_CHARS} characters"
            )
        salt = secrets.token_bytes(16)
        entries = read_entries(self._path)
        entries[client_id] = {
            "org": org,
            "salt": _b64(salt),
            "scrypt": _b64(_kdf(salt).derive(secret.encode())),
        }
        write_entries(self._path, entries)
        return PactClient(client_id, org)

    def remove(self, client_id: str) -> bool:
        """Forget `client_id`; False when it was not registered."""
        entries = read_entries(self._path)
        if entries.pop(client_id, None) is None:
            return False
        write_entries(self._path, entries)
        return True

    def list(self) -> list[PactClient]:
        """Every registered client, by id."""
        return [
            PactClient(k, str(v.get("org"))) for k, v in sorted(read_entries(self._path).items())
        ]

    def authenticate(self, client_id: str, secret: str) -> PactClient | None:
        """The client when `secret` is its secret, else None (same work either way)."""
        entry = read_entries(self._path).get(client_id)
        if entry is None:
            _kdf(_DUMMY_SALT).derive(secret.encode()[:MAX_SECRET_CHARS])
            return None
        try:
            _kdf(base64.b64decode(entry["salt"])).verify(
                secret.encode(), base64.b64decode(entry["scrypt"])
            )
        except (InvalidKey, KeyError, ValueError):
            return None
        return PactClient(client_id, str(entry["org"]))
