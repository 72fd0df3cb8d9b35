"""PACT partners: the organizations this node calls back (events) and how to authenticate.

pact-v3.md §2.5: the data owner MUST validate an event's `source` before calling back (SSRF).
Only a configured partner's events URL is ever called, and a partner URL must be HTTPS unless
its host is a loopback address (a partner on the same machine, as in tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from gateway.http.listen import is_loopback
from gateway.pact.files import PactFileError, pact_dir, read_entries, write_entries
from gateway.trust.model import ORG_NAME_RE


@dataclass(frozen=True)
class Partner:
    """A partner organization's events endpoint and, optionally, its token endpoint and the
    credentials this node uses there."""

    org: str
    events_url: str
    auth_url: str = ""
    client_id: str = ""
    client_secret: str = ""


def check_url(url: str, what: str) -> str:
    """`url` when it is HTTPS, or plain HTTP on a loopback host; PactFileError otherwise."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host or parts.username or parts.password:
        raise PactFileError(f"{what} {url[:200]!r} is not an absolute URL without credentials")
    if parts.scheme != "https" and not (parts.scheme == "http" and is_loopback(host)):
        raise PactFileError(f"{what} {url[:200]!r} must be HTTPS (plain HTTP only on loopback)")
    return url


def same_origin(source: str, partner: Partner) -> bool:
    """True when an event `source` (a URI reference such as `//host/3/events` or an absolute
    URL) names the host and port of the partner's events URL."""
    events = urlsplit(partner.events_url)
    given = urlsplit(source if "//" in source else "//" + source)
    return (given.hostname or "") == (events.hostname or "") and (
        given.port is None or given.port == events.port
    )


class PartnerStore:
    """NODE/pact/partners.json: org -> partner."""

    def __init__(self, node_root: Path) -> None:
        self._path = pact_dir(node_root) / "partners.json"

    def add(self, partner: Partner) -> Partner:
        """Register or replace `partner` after checking its URLs."""
        if ORG_NAME_RE.fullmatch(partner.org) is None:
            raise PactFileError(f"{partner.org!r:.80} is not an organization name")
        check_url(partner.events_url, "events URL")
        if partner.auth_url:
            check_url(partner.auth_url, "auth URL")
        entries = read_entries(self._path)
        entries[partner.org] = {
            "events_url": partner.events_url,
            "auth_url": partner.auth_url,
            "client_id": partner.client_id,
            "client_secret": partner.client_secret,
        }
        write_entries(self._path, entries)
        return partner

    def remove(self, org: str) -> bool:
        """Forget partner `org`; False when it was not configured."""
        entries = read_entries(self._path)
        if entries.pop(org, None) is None:
            return False
        write_entries(self._path, entries)
        return True

    def list(self) -> list[Partner]:
        """Every partner, by organization."""
        return [
            Partner(org, **{k: str(v) for k, v in entry.items()})
            for org, entry in sorted(read_entries(self._path).items())
        ]

    def get(self, org: str) -> Partner | None:
        """Partner `org`, or None."""
        return next((p for p in self.list() if p.org == org), None)
