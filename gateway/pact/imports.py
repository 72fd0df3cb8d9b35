"""Footprints taken from a partner by PACT (a PublishedEvent, or `cfx pact pull`), stored as
registry attestations (issue 15): not issuer-signed, so each is wrapped in a credential that
this node issues and signs with its node key, marked (gateway.pact.provenance), and submitted
through the node's normal intake (checked, logged, with a receipt).

Only the partner's configured events URL decides where to call (same scheme, host and port;
pact-v3.md §2.5 SSRF): never an event's `source`, and a `Link: rel="next"` only when it points
at that same origin. Sizes, pages and time are bounded. A footprint that fails the pact-3.0
profile's errors is refused and not stored; warnings are kept with the stored record. The same
PACT footprint (same JSON) fetched again is not stored again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote, urljoin, urlsplit

import httpx

import schemas
from gateway.cli.sign import wrap_dataset
from gateway.errors import GatewayError
from gateway.node import load_node_key
from gateway.pact.delivery import TIMEOUT_SECONDS, tls_context
from gateway.pact.host import PactHost
from gateway.pact.partners import Partner, check_url
from gateway.pact.provenance import KIND, REGISTRY_SCHEMA, registry_copy, registry_extension
from gateway.store.model import StoredDataset
from schemas import strict_json
from schemas.profiles import PACT_3_0
from schemas.translate import pact_v3_to_dataset
from schemas.violations import errors
from signing.document import format_datetime
from signing.proofs import sign

_log = logging.getLogger("cfx.pact")
MAX_RESPONSE_BYTES: Final = 8 << 20
MAX_PAGES: Final = 1000
MAX_IDS: Final = 100
#: Credential ids of registry copies: uuid5 of the partner and the PACT JSON's digest.
_COPY_NAMESPACE: Final = uuid.UUID("6f1b5c1e-3a8e-5d2b-9c41-0c6a4b8f2d17")


class PactImportError(GatewayError):
    """A partner's footprint or answer that cannot be taken (unreachable, too large, not a
    PACT v3 footprint, failing the pact-3.0 profile's errors)."""

    reason = "PACT_IMPORT_REFUSED"


@dataclass(frozen=True)
class Imported:
    """A footprint stored (or found stored) as a registry copy."""

    record: StoredDataset
    created: bool


@dataclass
class Pulled:
    """What one fetch stored, and what it refused (one line each: a footprint, a link)."""

    kept: list[Imported]
    refused: list[str]


def origin_of(partner: Partner) -> str:
    """`scheme://host:port` of the partner's events URL: the only place this node calls."""
    parts = urlsplit(check_url(partner.events_url, "events URL"))
    return f"{parts.scheme}://{parts.netloc}"


def same_partner(url: str, origin: str) -> bool:
    """True when the absolute `url` has exactly the partner's scheme, host and port."""
    parts, want = urlsplit(url), urlsplit(origin)
    return (parts.scheme, parts.hostname, parts.port) == (want.scheme, want.hostname, want.port)


def pact_digest(footprint: dict[str, Any]) -> str:
    """sha256 of the footprint as canonical JSON (sorted keys, compact, UTF-8)."""
    text = json.dumps(footprint, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Importer:
    """Fetch footprints from one partner and store them as registry copies."""

    host: PactHost
    partner: Partner

    def published(self, ids: list[str]) -> Pulled:
        """GET /3/footprints/{id} for each id of a PublishedEvent, stored as registry copies."""
        origin = origin_of(self.partner)
        out = Pulled([], [])
        with self._http() as http:
            token = self._token(http)
            for pf_id in ids[:MAX_IDS]:
                url = f"{origin}/3/footprints/{quote(pf_id, safe='')}"
                try:
                    out.kept.append(self.keep(self._object(http, url, token), url))
                except GatewayError as exc:
                    out.refused.append(str(exc))
        return out

    def pull(self, limit: int = 0) -> Pulled:
        """The partner's whole list (GET /3/footprints), page after page while the next link
        stays on the partner's origin; `limit` is the page size asked (0: the partner's)."""
        origin = origin_of(self.partner)
        url = f"{origin}/3/footprints" + (f"?limit={limit}" if limit else "")
        out = Pulled([], [])
        with self._http() as http:
            token = self._token(http)
            for _ in range(MAX_PAGES):
                answer = self._get(http, url, token)
                data = _object(answer).get("data")
                if not isinstance(data, list):
                    raise PactImportError(f"{url[:200]}: `data` is not a list of footprints")
                for item in data:
                    try:
                        out.kept.append(self.keep(_footprint(item), url))
                    except GatewayError as exc:
                        out.refused.append(str(exc))
                following = _next_link(answer, origin, out)
                if following is None:
                    return out
                url = following
        out.refused.append(f"stopped after {MAX_PAGES} pages from {self.partner.org}")
        return out

    def keep(self, footprint: dict[str, Any], fetched_from: str) -> Imported:
        """Store `footprint` as a registry copy, unless the same one is stored already."""
        digest = pact_digest(footprint)
        translated = pact_v3_to_dataset(footprint).document
        if registry_copy(translated) is not None:
            raise PactImportError("a partner's footprint cannot carry a registry-copy mark")
        found = self._stored(translated.get("id"), digest)
        if found is not None:
            return Imported(found, created=False)
        node = self.host.node
        now = node.clock()
        provenance = {"kind": KIND, "source": "pact", "partner": self.partner.org,
                      "fetchedFrom": fetched_from[:2000], "fetchedAt": format_datetime(now),
                      "sha256OfPactJson": digest}  # fmt: skip
        subject = {**translated, "extensions": [*translated.get("extensions", []),
                                                registry_extension(provenance)]}  # fmt: skip
        key = load_node_key(node.paths)
        credential_id = uuid.uuid5(_COPY_NAMESPACE, f"{self.partner.org}\x1f{digest}")
        credential = {"id": f"urn:uuid:{credential_id}"} | wrap_dataset(subject, key.did, now)
        refused = errors(schemas.validate(credential, profile=PACT_3_0))
        if refused:
            shown = "; ".join(f"{v.pointer} {v.reason}" for v in refused[:5])
            raise PactImportError(f"footprint {footprint.get('id')!s:.60} is refused: {shown}")
        signed = sign(credential, key, created=now, proof_id=f"urn:uuid:{uuid.uuid4()}")
        raw = json.dumps(signed, ensure_ascii=False).encode()
        caller = node.trust.current().organization(node.config.org)
        return Imported(node.intake.submit(raw, "", caller).dataset, created=True)

    def _stored(self, subject_id: Any, digest: str) -> StoredDataset | None:
        """This node's registry copy of the same PACT JSON, if one is stored."""
        if not isinstance(subject_id, str):
            return None
        for record in self.host.node.store.datasets_with_id(subject_id):
            if record.issuer_org != self.host.node.config.org:
                continue
            document = strict_json.loads_object(record.credential)
            found = registry_copy(document.get("credentialSubject"))
            if found is not None and found.get("sha256OfPactJson") == digest:
                return record
        return None

    def _http(self) -> httpx.Client:
        timeout = httpx.Timeout(TIMEOUT_SECONDS)
        return httpx.Client(verify=tls_context(self.host.node.paths.ca_cert), timeout=timeout,
                            follow_redirects=False)  # fmt: skip

    def _token(self, http: httpx.Client) -> str:
        if not self.partner.client_id:
            return ""
        try:
            return self.host.deliverer.token(http, self.partner)
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            raise PactImportError(f"no token from {self.partner.org}: {exc}") from None

    def _object(self, http: httpx.Client, url: str, token: str) -> dict[str, Any]:
        return _footprint(_object(self._get(http, url, token)).get("data"))

    def _get(self, http: httpx.Client, url: str, token: str) -> _Answer:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            with http.stream("GET", url, headers=headers) as answer:
                body = bytearray()
                for chunk in answer.iter_bytes():
                    body += chunk
                    if len(body) > MAX_RESPONSE_BYTES:
                        raise PactImportError(f"{url[:200]}: the answer is too large")
        except httpx.HTTPError as exc:
            raise PactImportError(f"{url[:200]}: {exc}") from None
        if not answer.is_success:
            raise PactImportError(f"{url[:200]}: HTTP {answer.status_code}")
        return _Answer(url, bytes(body), answer.links.get("next", {}).get("url", ""))


@dataclass(frozen=True)
class _Answer:
    url: str
    body: bytes
    next_url: str


def _object(answer: _Answer) -> dict[str, Any]:
    try:
        return strict_json.loads_object(answer.body)
    except strict_json.JSONInputError as exc:
        raise PactImportError(f"{answer.url[:200]}: not a JSON object: {exc}") from None


def _footprint(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PactImportError("a footprint is not a JSON object")
    return value


def _next_link(answer: _Answer, origin: str, out: Pulled) -> str | None:
    """The next page (pact-v3.md §2.3: an absolute URL), only on the partner's own origin
    (anything else is noted in `out` and not followed: SSRF)."""
    if not answer.next_url:
        return None
    url = urljoin(answer.url, answer.next_url)
    if urlsplit(answer.next_url).scheme == "" or not same_partner(url, origin):
        _log.warning("next link %s is not on partner origin %s: not followed", url[:200], origin)
        out.refused.append(f"the next link {url[:200]!r} is not on {origin}: not followed")
        return None
    return url


__all__ = ["REGISTRY_SCHEMA", "Importer", "PactImportError", "Pulled", "origin_of"]
