"""Usage policy: who may receive a dataset beyond the node it was submitted to (issue 12).

The issuer signs `credentialSubject.usagePolicy = {"shareWith": [...], "expires": "<date-time>"}`
with the dataset, so every node that holds a copy can decide alone, from the signed bytes, whom
it may pass the copy to. Each `shareWith` item is one of

- `public`: every node and every reader;
- a node role (`provincial`, `national`, `registry`): the nodes of that role;
- `org:<name>`: the nodes and the clients of that organization (e.g. a buyer's PACT client).

Pure and total: no I/O, no clock (the caller passes `now`), and nothing in the document can make
`Audience.of` or `Audience.admits` raise. The intake refuses a schema-invalid policy before any
of this runs (schemas/jsonschema/defs.schema.json `UsagePolicy`, the same grammar); a policy
that still arrives malformed is read as the narrowest audience, never as a wider one.

How to ask: the node holding the dataset builds a `Reader` for whoever would receive it (a peer
node pulling, or a client reading) and calls `Audience.of(document, origin_org=...)` then
`admits(reader, now)`. Serving code refuses with `gateway.errors.PermissionDeniedError` (existence
not confirmed); the receiving side of sync checks itself with `require` and keeps the
`OutsideUsagePolicyError` as evidence against the peer that served it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from gateway.federation.errors import OutsideUsagePolicyError
from gateway.node import NodeRole
from gateway.trust.model import ORG_NAME_RE
from schemas.datetimes import parse_date_time

POLICY_FIELD: Final = "usagePolicy"
PUBLIC: Final = "public"
ORG_PREFIX: Final = "org:"
#: The schema's `maxItems` for shareWith: a policy names a few audiences, not a directory.
MAX_SHARE_WITH: Final = 64
_FIELDS: Final = frozenset({"shareWith", "expires"})
_ROLES: Final = frozenset(role.value for role in NodeRole)
#: The schema's maxLength for a date-time: the longest RFC 3339 form is 35 characters.
_MAX_DATE_TIME: Final = 40


def is_audience_item(item: object) -> bool:
    """True for a well-formed shareWith item. Exact and case-sensitive, like the schema: only
    lower-case names exist, so `Public` or `org:Acme` would name nobody, and is refused rather
    than guessed at."""
    if not isinstance(item, str):
        return False
    if item == PUBLIC or item in _ROLES:
        return True
    return (
        item.startswith(ORG_PREFIX) and ORG_NAME_RE.fullmatch(item[len(ORG_PREFIX) :]) is not None
    )


@dataclass(frozen=True, slots=True)
class Reader:
    """Who would receive the dataset from the node that decides.

    `org`: the reader's organization as the trust registry names it: for a peer node, the
    organization that runs it; for a client, the organization its certificate speaks for.
    `node_role`: the peer node's role (recorded when its `node` identity was issued, or learned
    from its log origin); None for a client, i.e. anything that is not a node.
    `is_origin`: the reader is the issuing node (the node the dataset was submitted to), or a
    client reading at that node.
    """

    org: str
    node_role: NodeRole | None
    is_origin: bool

    def __post_init__(self) -> None:
        # A wrongly built reader would be a silent wrong answer in a security decision: refuse.
        if not isinstance(self.org, str) or ORG_NAME_RE.fullmatch(self.org) is None:
            raise ValueError(f"reader org {self.org!r:.80} is not an organization name")
        if self.node_role is not None and not isinstance(self.node_role, NodeRole):
            raise TypeError("reader node_role must be a NodeRole or None")
        if not isinstance(self.is_origin, bool):
            raise TypeError("reader is_origin must be a bool")

    @property
    def role_name(self) -> str:
        """The node role's name, or `client`: for messages and error metadata."""
        return "client" if self.node_role is None else self.node_role.value


@dataclass(frozen=True, slots=True)
class Audience:
    """The audience a dataset's issuer signed, read once per dataset.

    `share_with` is None when the dataset has no policy (the default audience applies);
    `defect` says why a present policy could not be read (then only the issuing node is
    admitted); `origin_org` is the organization that issued the dataset.
    """

    origin_org: str
    share_with: frozenset[str] | None
    expires: datetime | None
    defect: str | None

    @classmethod
    def of(cls, document: Any, *, origin_org: str) -> Audience:
        """The audience of `document`: a credential (the policy sits in its credentialSubject)
        or a bare dataset. `origin_org` is the trust-registry organization that issued it.

        Decisions:
        - No `usagePolicy` member: the default audience (see `admits`).
        - A policy that is not exactly what the schema allows (not an object, unknown fields,
          shareWith missing, empty, too long, with duplicates or an unknown item; an expires
          that is not an RFC 3339 date-time with offset): `defect` is set and only the issuing
          node is admitted. Falling back to the default audience instead would widen it for
          the national nodes whenever an issuer wrote a narrower policy wrongly.
        - `usagePolicy: null` is a present, malformed policy, not an absent one.
        """
        if not isinstance(origin_org, str) or ORG_NAME_RE.fullmatch(origin_org) is None:
            raise ValueError(f"origin_org {origin_org!r:.80} is not an organization name")
        is_credential = isinstance(document, dict) and "credentialSubject" in document
        subject = document["credentialSubject"] if is_credential else document
        if not isinstance(subject, dict):
            return cls(origin_org, frozenset(), None, "the dataset is not a JSON object")
        if POLICY_FIELD not in subject:
            return cls(origin_org, None, None, None)
        share_with, expires, defect = _read(subject[POLICY_FIELD])
        return cls(origin_org, share_with, expires, defect)

    def expired(self, now: datetime) -> bool:
        """True from `expires` on: the instant itself is already past the policy (as JWT `exp`,
        RFC 7519 §4.1.4), so a reader never gets a copy at the very instant it ends."""
        _require_aware(now)
        return self.expires is not None and now >= self.expires

    def admits(self, reader: Reader, now: datetime) -> bool:
        """True when the issuer's policy lets `reader` receive the dataset at `now`.

        Decisions, in order:
        1. The issuing node, and its own clients (`reader.is_origin`), are always admitted:
           the policy governs what leaves the issuing node; who reads there is the node's
           role-based access rule (gateway.access), and expiry does not apply (they are not
           peers).
        2. A defective policy admits nobody else (see `of`).
        3. From `expires` on, nobody else: nodes stop serving the dataset to peers, and a node
           that received a copy stops passing it to its own clients too (the issuer's consent
           to share ended; the issuing node still serves its own clients).
        4. No policy: the national nodes (issue 12's default audience). Not their clients, and
           not other roles.
        5. `public`: every node and every reader.
        6. A node role item: the nodes of that role. Not their clients: a role names nodes.
        7. `org:<name>`: every node and client of that organization.
        8. The issuing organization (`origin_org`) is always in its own audience, as if it
           had written `org:<origin_org>`: nobody needs consent to receive their own data.
        Anything else is refused.
        """
        _require_aware(now)
        if reader.is_origin:
            return True
        if self.defect is not None or self.expired(now):
            return False
        if reader.org == self.origin_org:
            return True
        if self.share_with is None:
            return reader.node_role is NodeRole.NATIONAL
        if PUBLIC in self.share_with or ORG_PREFIX + reader.org in self.share_with:
            return True
        return reader.node_role is not None and reader.node_role.value in self.share_with

    def require(self, reader: Reader, now: datetime, *, dataset_id: str) -> None:
        """`admits`, or `OutsideUsagePolicyError` naming the dataset and the reader: for the
        receiving side of sync, which checks that it may hold what a peer served it."""
        if not self.admits(reader, now):
            raise OutsideUsagePolicyError(
                f"the usage policy of {dataset_id:.200} does not admit {reader.org} "
                f"({reader.role_name}): {self.describe()}",
                dataset_id=dataset_id,
                reader_org=reader.org,
                reader_role=reader.role_name,
            )

    def describe(self) -> str:
        """The audience in a few words, for tables, logs and quarantine evidence."""
        if self.defect is not None:
            return f"issuing node only (unreadable policy: {self.defect})"
        if self.share_with is None:
            audience = "issuing node and national nodes (no policy)"
        else:
            audience = ", ".join(sorted(self.share_with))
        if self.expires is not None:
            audience += f" until {self.expires.isoformat()}"
        return audience


def _read(policy: Any) -> tuple[frozenset[str], datetime | None, str | None]:
    """(shareWith, expires, defect) of a present policy; on a defect the audience is empty."""
    nobody: frozenset[str] = frozenset()
    if not isinstance(policy, dict):
        return nobody, None, "usagePolicy is not an object"
    if unknown := set(policy) - _FIELDS:
        return nobody, None, f"unknown fields {sorted(map(str, unknown))[:4]!r:.120}"
    items = policy.get("shareWith")
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_SHARE_WITH:
        return nobody, None, f"shareWith is not a list of 1 to {MAX_SHARE_WITH} audiences"
    if not all(is_audience_item(item) for item in items):
        return nobody, None, "shareWith names an unknown audience"
    if len(set(items)) != len(items):
        return nobody, None, "shareWith lists an audience twice"
    expires: datetime | None = None
    if "expires" in policy:
        raw = policy["expires"]
        expires = (
            parse_date_time(raw) if isinstance(raw, str) and len(raw) <= _MAX_DATE_TIME else None
        )
        if expires is None:
            return nobody, None, "expires is not an RFC 3339 date-time with offset"
    return frozenset(items), expires, None


def _require_aware(now: datetime) -> None:
    # A naive clock would compare against an aware expiry with a TypeError, or worse, be read
    # in the wrong zone: a caller bug, refused wherever it shows.
    if not isinstance(now, datetime) or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
