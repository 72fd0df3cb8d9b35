"""Sending an event to a partner's events endpoint, with a token from its auth endpoint; the
outbox retries with exponential backoff (pact-v3.md §2.5: give up after 72 h). Only configured
partners' URLs are ever called (gateway.pact.partners)."""

from __future__ import annotations

import logging
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

import httpx

from gateway.pact.partners import Partner

_log = logging.getLogger("cfx.pact")
GIVE_UP_SECONDS: Final = 72 * 3600
TIMEOUT_SECONDS: Final = 10.0
CLOUDEVENTS_JSON: Final = "application/cloudevents+json; charset=UTF-8"


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """The system's trust anchors plus the node's own CA (partners on the same network)."""
    context = ssl.create_default_context()
    if ca_file is not None and ca_file.exists():
        context.load_verify_locations(cafile=str(ca_file))
    return context


def auth_url(partner: Partner) -> str:
    """The partner's token endpoint: configured, else `/auth/token` beside its events URL."""
    if partner.auth_url:
        return partner.auth_url
    parts = urlsplit(partner.events_url)
    return f"{parts.scheme}://{parts.netloc}/auth/token"


@dataclass
class Deliverer:
    """One delivery attempt at a time; the caller (gateway.pact.outbox) retries with backoff
    from the stored outbox, so nothing is lost with a restart."""

    ca_file: Path | None
    give_up_after: float = GIVE_UP_SECONDS

    def attempt(self, partner: Partner, event: dict[str, Any]) -> bool:
        """POST `event` to the partner's events URL (with a token from its auth URL when
        credentials are configured); True when it was accepted (2xx)."""
        with httpx.Client(verify=tls_context(self.ca_file), timeout=TIMEOUT_SECONDS) as http:
            return self._attempt(http, partner, event)

    def token(self, http: httpx.Client, partner: Partner) -> str:
        """An access token from the partner's token endpoint (client credentials)."""
        answer = http.post(
            auth_url(partner),
            data={"grant_type": "client_credentials"},
            auth=(partner.client_id, partner.client_secret),
        )
        answer.raise_for_status()
        return str(answer.json()["access_token"])

    def _attempt(self, http: httpx.Client, partner: Partner, event: dict[str, Any]) -> bool:
        try:
            headers = {"Content-Type": CLOUDEVENTS_JSON}
            if partner.client_id:
                headers["Authorization"] = f"Bearer {self.token(http, partner)}"
            answer = http.post(partner.events_url, json=event, headers=headers)
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            _log.info("event %s to %s: %s; will retry", event.get("id"), partner.org, exc)
            return False
        if answer.is_success:
            return True
        _log.info("event %s to %s: HTTP %s", event.get("id"), partner.org, answer.status_code)
        return False
