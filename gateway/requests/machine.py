"""The footprint request state machine, pure (no I/O, no clock: callers pass `now`).

PACT v3 §2.5: a data owner that accepted a request sends exactly one RequestFulfilled (at least
one footprint) or one RequestRejected, retrying with exponential backoff until delivered. Each
node a request crosses keeps one `Request`: CREATED (accepted here) -> FORWARDED (handed to the
next node towards the owner) -> FULFILLED | REJECTED (the answer, at the owner's home node or
brought back from the next node), and `acknowledged` once the node it came from has kept the
answer (always true where the requester itself asked).
"""

from __future__ import annotations

import enum
import hashlib
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import rfc8785

from gateway.requests.errors import InvalidCriteriaError, RequestAlreadyAnsweredError

# PACT v3 error codes a rejection may carry (pact-v3.md §1 item 8).
REJECT_CODES = frozenset(
    {"BadRequest", "AccessDenied", "NotFound", "InternalError", "NotImplemented"}
)
MAX_CRITERION_CHARS = 512
MAX_COMMENT_CHARS = 2000
MAX_FOOTPRINTS = 64
# Retries towards a peer: 1 s, 2 s, 4 s, … capped at 5 min (PACT: exponential backoff).
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 300.0
_URN = re.compile(r"urn:[A-Za-z0-9][A-Za-z0-9-]{0,31}:\S+")


class RequestState(enum.StrEnum):
    """Where a request stands at one node."""

    CREATED = "created"
    FORWARDED = "forwarded"
    FULFILLED = "fulfilled"
    REJECTED = "rejected"


def _digest(obj: dict[str, Any]) -> bytes:
    return hashlib.sha256(rfc8785.dumps(obj)).digest()


@dataclass(frozen=True)
class Criteria:
    """What the requester asks for (PACT v3 RequestCreatedEvent data)."""

    product_id: str
    company_id: str = ""
    period_start: str = ""
    period_end: str = ""
    geography: str = ""
    comment: str = ""

    def __post_init__(self) -> None:
        if not _URN.fullmatch(self.product_id):
            raise InvalidCriteriaError("product_id must be a URN", field="criteria.product_id")
        if self.company_id and not _URN.fullmatch(self.company_id):
            raise InvalidCriteriaError("company_id must be a URN", field="criteria.company_id")
        for label in ("product_id", "company_id", "period_start", "period_end", "geography"):
            if len(getattr(self, label)) > MAX_CRITERION_CHARS:
                raise InvalidCriteriaError(f"{label} is too long", field=f"criteria.{label}")
        if len(self.comment) > MAX_COMMENT_CHARS:
            raise InvalidCriteriaError("comment is too long", field="criteria.comment")

    def to_dict(self) -> dict[str, str]:
        """The criteria as JSON members (stored, relayed, digested)."""
        return {
            "productId": self.product_id,
            "companyId": self.company_id,
            "referencePeriodStart": self.period_start,
            "referencePeriodEnd": self.period_end,
            "geography": self.geography,
            "comment": self.comment,
        }

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> Criteria:
        """The inverse of `to_dict`."""
        return cls(
            data["productId"],
            data["companyId"],
            data["referencePeriodStart"],
            data["referencePeriodEnd"],
            data["geography"],
            data["comment"],
        )

    def digest(self, name: str) -> bytes:
        """SHA-256 of the request's name and criteria (JCS): what the log holds, never the
        criteria in clear; the name salts it, so equal criteria do not log equal digests."""
        return _digest({"request": name, **self.to_dict()})


@dataclass(frozen=True)
class Answer:
    """The one answer: footprints as (dataset name, digest) pairs, or a rejection."""

    footprints: tuple[tuple[str, str], ...] = ()
    reject_code: str = ""
    reject_message: str = ""

    def __post_init__(self) -> None:
        if bool(self.footprints) == bool(self.reject_code):
            raise InvalidCriteriaError("an answer is footprints or a rejection, not both/neither")
        if len(self.footprints) > MAX_FOOTPRINTS:
            raise InvalidCriteriaError(f"at most {MAX_FOOTPRINTS} footprints", field="footprints")
        if len({name for name, _ in self.footprints}) != len(self.footprints):
            raise InvalidCriteriaError("a footprint is named twice", field="footprints")
        if self.reject_code and self.reject_code not in REJECT_CODES:
            raise InvalidCriteriaError(f"code must be one of {sorted(REJECT_CODES)}", field="code")
        if len(self.reject_message) > MAX_COMMENT_CHARS:
            raise InvalidCriteriaError("message is too long", field="message")

    @property
    def state(self) -> RequestState:
        """FULFILLED or REJECTED."""
        return RequestState.FULFILLED if self.footprints else RequestState.REJECTED

    def to_dict(self) -> dict[str, Any]:
        """The answer as JSON members (stored, relayed, digested)."""
        return {
            "footprints": [[name, digest] for name, digest in self.footprints],
            "code": self.reject_code,
            "message": self.reject_message,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Answer:
        """The inverse of `to_dict`."""
        return cls(
            tuple((str(n), str(d)) for n, d in data["footprints"]),
            str(data["code"]),
            str(data["message"]),
        )

    def digest(self, name: str) -> bytes:
        """SHA-256 of the request's name and the answer (JCS), for the log."""
        return _digest({"request": name, **self.to_dict()})


@dataclass(frozen=True)
class Request:
    """One request as one node keeps it.

    `came_from`: the organization of the peer node that handed it here ("": the requester asked
    this node). `via`: the peer (by name in peers.json) it goes to next ("": this node is the
    owner's home). `sequence` is assigned by the store at each change.
    """

    name: str
    criteria: Criteria
    requester: str
    owner: str
    came_from: str
    via: str
    state: RequestState
    created: datetime
    updated: datetime
    answer: Answer | None = None
    acknowledged: bool = False
    ack_sent: bool = True
    sequence: int = 0

    @property
    def answered(self) -> bool:
        """Whether the one answer is known here."""
        return self.answer is not None


def create(  # noqa: PLR0917 - a request's fields
    name: str,
    criteria: Criteria,
    requester: str,
    owner: str,
    came_from: str,
    via: str,
    now: datetime,
) -> Request:
    """A request accepted at this node (from its requester, or relayed by `came_from`)."""
    return Request(name, criteria, requester, owner, came_from, via, RequestState.CREATED, now, now)


def forwarded(request: Request, now: datetime) -> Request | None:
    """The next node holds it now; None when that was already known (or it is answered)."""
    if request.state is not RequestState.CREATED or not request.via:
        return None
    return replace(request, state=RequestState.FORWARDED, updated=now)


def answered(request: Request, answer: Answer, now: datetime, *, relayed: bool) -> Request | None:
    """Record the one answer. The same answer again: None (idempotent by request name). Another
    one: RequestAlreadyAnsweredError. `relayed`: it came back from the next node, which is then
    owed an acknowledgement."""
    if request.answer is not None:
        if request.answer == answer:
            return None
        raise RequestAlreadyAnsweredError(request.name, request.state.value)
    return replace(
        request,
        state=answer.state,
        answer=answer,
        updated=now,
        acknowledged=not request.came_from,
        ack_sent=not relayed,
    )


def acknowledged(request: Request, now: datetime) -> Request | None:
    """The node the request came from has kept the answer; None if nothing changes."""
    if request.answer is None or request.acknowledged:
        return None
    return replace(request, acknowledged=True, updated=now)


def ack_delivered(request: Request) -> Request | None:
    """This node told the next node that it kept the answer; None if nothing changes."""
    return None if request.ack_sent else replace(request, ack_sent=True)


def backoff(failures: int) -> timedelta:
    """Wait before the next attempt after `failures` consecutive failures (exponential, capped)."""
    seconds = BACKOFF_BASE_SECONDS * 2 ** min(max(failures - 1, 0), 20)
    return timedelta(seconds=min(seconds, BACKOFF_CAP_SECONDS))
