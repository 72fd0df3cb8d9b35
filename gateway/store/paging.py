"""Opaque, tamper-evident page tokens (AIP-158, requirement E5).

A token names the last log index returned and the filter it was issued for, MAC'd with a key kept
in the store, so a caller can neither forge a position nor reuse a token with other filters.
Tokens grant nothing: every request is authorized on its own before the token is read.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import struct
from dataclasses import dataclass

from gateway.store.errors import InvalidPageTokenError

_VERSION = 1
_BODY = struct.Struct(">BQ32s")  # version, last log index, filter fingerprint
_MAC_BYTES = 16
MAX_TOKEN_CHARS = 128
_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class PageTokenCodec:
    """Issues and checks page tokens with one MAC key (HMAC-SHA-256, truncated to 16 bytes)."""

    key: bytes

    def encode(self, last_log_index: int, filter_fingerprint: str) -> str:
        """A token for the page after `last_log_index`, bound to the filter's fingerprint."""
        body = _BODY.pack(_VERSION, last_log_index, bytes.fromhex(filter_fingerprint))
        return base64.urlsafe_b64encode(body + self._mac(body)).decode().rstrip("=")

    def decode(self, token: str, filter_fingerprint: str) -> int:
        """The last log index of the previous page; raises InvalidPageTokenError otherwise."""
        if len(token) > MAX_TOKEN_CHARS:
            raise InvalidPageTokenError("page token is too long")
        if _TOKEN_RE.fullmatch(token) is None:
            raise InvalidPageTokenError("page token is not unpadded base64url")
        try:
            # validate=True: no silently skipped characters, so each position has one token.
            raw = base64.b64decode(token + "=" * (-len(token) % 4), altchars=b"-_", validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InvalidPageTokenError("page token is not valid base64url") from exc
        if len(raw) != _BODY.size + _MAC_BYTES:
            raise InvalidPageTokenError("page token has the wrong length")
        body, mac = raw[: _BODY.size], raw[_BODY.size :]
        if not hmac.compare_digest(mac, self._mac(body)):
            raise InvalidPageTokenError("page token was not issued by this store")
        version, last, fingerprint = _BODY.unpack(body)
        if version != _VERSION:
            raise InvalidPageTokenError("page token version is not supported")
        if not hmac.compare_digest(fingerprint, bytes.fromhex(filter_fingerprint)):
            raise InvalidPageTokenError("page token was issued for different filters")
        return int(last)

    def _mac(self, body: bytes) -> bytes:
        return hmac.new(self.key, body, hashlib.sha256).digest()[:_MAC_BYTES]
