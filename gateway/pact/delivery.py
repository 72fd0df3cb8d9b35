"""Sending an event to a partner's events endpoint, with a token from its auth endpoint, retried
with exponential backoff (pact-v3.md §2.5: give up after 72 h). Only configured partners'
URLs are ever called (gateway.pact.partners)."""

from __future__ import annotations

import logging
import ssl
import threading
from dataclasses import dataclass, field
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
    """Delivers each event on its own daemon thread until accepted or given up."""

    ca_file: Path | None
    first_delay: float = 1.0
    max_delay: float = 3600.0
    give_up_after: float = GIVE_UP_SECONDS
    _stop: threading.Event = field(default_factory=threading.Event)

    def send(self, partner: Partner, event: dict[str, Any]) -> threading.Thread:
        """Start delivering `event` to `partner`; the thread ends when it was accepted."""
        thread = threading.Thread(
            target=self._deliver, args=(partner, event), name="cfx-pact-deliver", daemon=True
        )
        thread.start()
        return thread

    def stop(self) -> None:
        """Stop retrying (server shutdown)."""
        self._stop.set()

    def _deliver(self, partner: Partner, event: dict[str, Any]) -> None:
        delay, waited = self.first_delay, 0.0
        with httpx.Client(verify=tls_context(self.ca_file), timeout=TIMEOUT_SECONDS) as http:
            while not self._stop.is_set():
                if self._attempt(http, partner, event):
                    return
                if waited + delay > self.give_up_after or self._stop.wait(delay):
                    break
                waited += delay
                delay = min(delay * 2, self.max_delay)
        _log.warning("gave up delivering event %s to %s", event.get("id"), partner.org)

    def _attempt(self, http: httpx.Client, partner: Partner, event: dict[str, Any]) -> bool:
        try:
            headers = {"Content-Type": CLOUDEVENTS_JSON}
            if partner.client_id:
                token = http.post(
                    auth_url(partner),
                    data={"grant_type": "client_credentials"},
                    auth=(partner.client_id, partner.client_secret),
                )
                token.raise_for_status()
                headers["Authorization"] = f"Bearer {token.json()['access_token']}"
            answer = http.post(partner.events_url, json=event, headers=headers)
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            _log.info("event %s to %s: %s; will retry", event.get("id"), partner.org, exc)
            return False
        if answer.is_success:
            return True
        _log.info("event %s to %s: HTTP %s", event.get("id"), partner.org, answer.status_code)
        return False
