"""Access tokens and the token endpoint's guard against guessing (pact-v3.md §2.2).

A token is `base64url(claims).base64url(HMAC-SHA256(claims))`, the key derived (HKDF) from the
node key, so a restart keeps issued tokens valid and nothing else can mint them. Claims: the
client id, its organization and the expiry; `verify` enforces the expiry (v3: "MUST check the
Access Token and return a 401 when it has expired or is invalid").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from gateway.pact.clients import PactClient
from gateway.pact.errors import InvalidTokenError, TokenExpiredError
from signing.keys import PrivateKey

TOKEN_SECONDS: Final = 3600
MAX_TOKEN_CHARS: Final = 1024


def derived_secret(node_key: PrivateKey, purpose: str) -> bytes:
    """A 32-byte secret for `purpose` derived from the node key (RFC 5869)."""
    hkdf = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"cfx-pact/{purpose}".encode()
    )
    return hkdf.derive(node_key.secret_multibase().encode())


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def mac(key: bytes, data: bytes) -> bytes:
    """HMAC-SHA256 of `data`."""
    return hmac.new(key, data, hashlib.sha256).digest()


def seal(key: bytes, claims: dict[str, object]) -> str:
    """`claims` as a signed opaque string (tokens and page cursors)."""
    body = json.dumps(claims, sort_keys=True, separators=(",", ":")).encode()
    return f"{_b64(body)}.{_b64(mac(key, body))}"


def unseal(key: bytes, text: str) -> dict[str, object] | None:
    """The claims of a string `seal` made with `key`, or None (forged, altered, malformed)."""
    if len(text) > MAX_TOKEN_CHARS or text.count(".") != 1:
        return None
    body_text, tag_text = text.split(".")
    try:
        body, tag = _unb64(body_text), _unb64(tag_text)
    except ValueError:
        return None
    if not hmac.compare_digest(tag, mac(key, body)):
        return None
    claims = json.loads(body)
    return claims if isinstance(claims, dict) else None


@dataclass(frozen=True)
class TokenIssuer:
    """Issues and checks bearer tokens."""

    key: bytes
    clock: Callable[[], float] = time.time
    lifetime: int = TOKEN_SECONDS

    def issue(self, client: PactClient) -> str:
        """A token for `client`, valid `lifetime` seconds."""
        exp = int(self.clock()) + self.lifetime
        return seal(self.key, {"sub": client.client_id, "org": client.org, "exp": exp})

    def verify(self, token: str) -> PactClient:
        """The client of a valid token; else InvalidTokenError or TokenExpiredError."""
        claims = unseal(self.key, token)
        if claims is None:
            raise InvalidTokenError("the access token is invalid")
        exp, sub, org = claims.get("exp"), claims.get("sub"), claims.get("org")
        if not (isinstance(exp, int) and isinstance(sub, str) and isinstance(org, str)):
            raise InvalidTokenError("the access token is invalid")
        if self.clock() >= exp:
            raise TokenExpiredError("the access token has expired")
        return PactClient(sub, org)


@dataclass
class FailureLimiter:
    """At most `max_failures` failed logins per client id and per address in `window` seconds;
    beyond that the endpoint refuses before checking the secret (no guessing at scrypt speed)."""

    max_failures: int = 5
    window: float = 60.0
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def blocked(self, *keys: str) -> bool:
        """True when any of `keys` (`id:…`, `addr:…`) has used up its failures."""
        now = self.clock()
        with self._lock:
            return any(len(self._recent(k, now)) >= self.max_failures for k in keys)

    def failed(self, *keys: str) -> None:
        """Count one failure against each of `keys`."""
        now = self.clock()
        with self._lock:
            for k in keys:
                self._recent(k, now).append(now)

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times
