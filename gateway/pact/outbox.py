"""The PACT delivery outbox: answers to partners' requests sent from the stored requests.

Each round (every `poll_seconds`, or at once when woken):
- a PACT request still open `auto_reject_after` seconds after its stored creation time is
  rejected (NotFound) by the node, so a restart never resets the clock;
- each answered PACT request not yet acknowledged is sent as exactly one RequestFulfilledEvent
  or RequestRejectedEvent to the partner's events URL (gateway.pact.delivery), and marked
  acknowledged (logged) once the partner accepted it (2xx).

At-least-once: a crash between the partner's 2xx and the mark sends the event again after the
restart. The event `id` (a UUID5 of the request name) and `time` (when it was answered) are the
same in every attempt, so the receiver de-duplicates by id (CloudEvents 1.0: source + id is
unique). Failures back off exponentially per request (gateway.requests.machine.backoff, kept in
memory: after a restart the first attempt is immediate); after 72 h (§2.5) no more attempts are
made and the request stays unacknowledged in `cfx request list`.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from gateway.errors import GatewayError
from gateway.pact.footprints import served_form
from gateway.pact.requests import PactOrigin, rejection
from gateway.pact.v2 import as_v2
from gateway.requests.machine import Request, backoff
from gateway.times import to_rfc3339
from schemas import strict_json

if TYPE_CHECKING:
    from gateway.pact.host import PactHost

_log = logging.getLogger("cfx.pact")
PREFIX: Final = "org.wbcsd.pact.ProductFootprint."
REQUEST_FULFILLED: Final = PREFIX + "RequestFulfilledEvent.3"
REQUEST_REJECTED: Final = PREFIX + "RequestRejectedEvent.3"
V2_PREFIX: Final = "org.wbcsd.pathfinder."
V2_FULFILLED: Final = V2_PREFIX + "ProductFootprintRequest.Fulfilled.v1"
V2_REJECTED: Final = V2_PREFIX + "ProductFootprintRequest.Rejected.v1"
#: Both `pact:` and `pact2:` origins (gateway.pact.requests).
PACT_ROWS: Final = "pact%"
BATCH: Final = 200
_ANSWER_NAMESPACE: Final = uuid.UUID("0b7e6a52-8d1f-4f0e-bb4a-5c2d9e13a7f1")


def answer_event_id(request_name: str) -> str:
    """The id of the one answer event of a request: the same in every delivery attempt."""
    return str(uuid.uuid5(_ANSWER_NAMESPACE, request_name))


@dataclass
class Outbox:
    """Auto-rejects and delivers PACT answers from the store."""

    host: PactHost
    poll_seconds: float = 1.0
    _failures: dict[str, tuple[int, datetime]] = field(default_factory=dict)
    _wake: threading.Event = field(default_factory=threading.Event)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def round(self) -> int:
        """One pass; the number of events delivered."""
        now = self.host.node.clock()
        self._expire(now)
        delivered = 0
        for request in self.host.node.store.select_requests("pact_owed", PACT_ROWS, 0, BATCH):
            delivered += self._deliver(request, now)
        return delivered

    def _expire(self, now: datetime) -> None:
        after = timedelta(seconds=self.host.auto_reject_after)
        for request in self.host.node.store.select_requests("pact_open", PACT_ROWS, 0, BATCH):
            if request.created + after > now:
                continue
            answer = rejection("NotFound", f"not answered within {after.total_seconds():g} s")
            try:
                self.host.desk.answer(request.name, request.owner, answer)
            except GatewayError as err:  # the owner answered first: that answer stands
                _log.info("auto-reject of %s: %s", request.name, err.reason)

    def _deliver(self, request: Request, now: datetime) -> int:
        origin = PactOrigin.decode(request.came_from)
        partner = self.host.partners.get(origin.partner) if origin else None
        failures, retry_at = self._failures.get(request.name, (0, now))
        if origin is None or partner is None or retry_at > now:
            return 0
        if (now - request.updated).total_seconds() > self.host.deliverer.give_up_after:
            return 0
        if not self.host.deliverer.attempt(partner, self.event(request, origin)):
            self._failures[request.name] = (failures + 1, now + backoff(failures + 1))
            return 0
        self._failures.pop(request.name, None)
        self.host.desk.acknowledge([request.name], request.came_from)
        return 1

    def event(self, request: Request, origin: PactOrigin) -> dict[str, Any]:
        """The answer event of an answered request (CloudEvents 1.0, structured mode)."""
        answer = request.answer
        assert answer is not None
        v2 = origin.version == 2
        data: dict[str, Any] = {"requestEventId": origin.event_id}
        if answer.footprints:
            held = self.host.node.store.find_by_digests([d for _, d in answer.footprints])
            forms = [
                served_form(held[d], strict_json.loads_object(held[d].credential))
                for _, d in answer.footprints
                if d in held
            ]
            data["pfs"] = [as_v2(f) for f in forms] if v2 else forms
            kind = V2_FULFILLED if v2 else REQUEST_FULFILLED
        else:
            code = answer.reject_code
            if v2 and code == "NotFound":
                code = "NoSuchFootprint"
            data["error"] = {"code": code, "message": answer.reject_message}
            kind = V2_REJECTED if v2 else REQUEST_REJECTED
        return {
            "type": kind,
            "specversion": "1.0",
            "id": answer_event_id(request.name),
            "source": f"//{self.host.node.config.org}/3/events",
            "time": to_rfc3339(request.updated),
            "data": data,
        }

    def wake(self) -> None:
        """Run a round now (an answer was just stored)."""
        self._wake.set()

    def start(self) -> None:
        """Run rounds on a daemon thread until `stop()`."""
        self._thread = threading.Thread(target=self._run, name="cfx-pact-outbox", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.round()
            except Exception:  # noqa: BLE001 - the loop outlives one bad round; logged
                _log.exception("PACT outbox round failed")
            self._wake.wait(self.poll_seconds)
            self._wake.clear()

    def stop(self, timeout: float = 5.0) -> bool:
        """Stop after the current round; True when the thread ended."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True
