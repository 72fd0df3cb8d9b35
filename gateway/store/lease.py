"""Which replica does the node's background work: a lease row in the shared PostgreSQL database.

Replicas of one node (several `cfx serve` over one database) all answer calls, but pulling from
peers and relaying requests must run on exactly one of them. The lease is a row
(`cfx_leases`) naming its holder and an expiry in the database's own clock, so no replica's
clock matters. The holder renews it every `ttl / 3` s; another replica takes it only once it
has expired, so a holder killed with SIGKILL is replaced within `ttl` + one renewal period.

The holder stops its work on its own before the row can expire: it counts the lease as held
until `ttl` after it *sent* the renewal that succeeded (`LeaseTerm`), which is never later than
the expiry the database wrote. A graceful stop deletes the row, so a successor starts at once.

On SQLite (one process owns the file) the lease is always held (`LocalLease`).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import psycopg

from gateway.store.base import Store

_log = logging.getLogger("cfx.lease")

DEFAULT_TTL_SECONDS = 5.0
# The lease naming the replica that syncs with peers and relays requests.
DUTIES = "duties"

_CREATE = (
    "CREATE TABLE IF NOT EXISTS cfx_leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, "
    "acquired_at TIMESTAMPTZ NOT NULL, expires_at TIMESTAMPTZ NOT NULL, term BIGINT NOT NULL)"
)
# Take the row if it is ours or expired; `term` counts changes of holder (an operator's clue).
_CLAIM = (
    "INSERT INTO cfx_leases AS l (name, holder, acquired_at, expires_at, term) "
    "VALUES (%(name)s, %(holder)s, clock_timestamp(), "
    "clock_timestamp() + make_interval(secs => %(ttl)s), 1) "
    "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, "
    "expires_at = excluded.expires_at, "
    "acquired_at = CASE WHEN l.holder = excluded.holder THEN l.acquired_at "
    "ELSE excluded.acquired_at END, "
    "term = CASE WHEN l.holder = excluded.holder THEN l.term ELSE l.term + 1 END "
    "WHERE l.holder = excluded.holder OR l.expires_at < clock_timestamp() "
    "RETURNING term"
)
_RELEASE = "DELETE FROM cfx_leases WHERE name = %s AND holder = %s"
_HOLDER = "SELECT holder, term, expires_at > clock_timestamp() FROM cfx_leases WHERE name = %s"


@dataclass(frozen=True)
class LeaseHolder:
    """Who holds a lease now, as the database says."""

    holder: str
    term: int
    live: bool


def holder_name(listen: str = "") -> str:
    """A name unique to this process, that an operator can trace: host, pid, address."""
    return f"{socket.gethostname()}:{os.getpid()}:{listen}:{uuid.uuid4().hex[:8]}"


class Lease(Protocol):
    """A named lease that one process at a time may hold."""

    ttl: float

    def claim(self) -> bool:
        """Take or renew the lease; True when this process holds it now."""

    def release(self) -> None:
        """Give the lease up (if held) so that another process may take it at once."""

    def close(self) -> None:
        """Release and free what the lease holds open."""


class LocalLease:
    """The lease of a store only one process opens (SQLite): always held."""

    ttl = float("inf")

    def claim(self) -> bool:
        """Always held."""
        return True

    def release(self) -> None:
        """Nothing to give up."""

    def close(self) -> None:
        """Nothing to close."""


class PostgresLease:
    """A lease row, claimed over a connection of its own (never a pooled one: a renewal must
    not wait behind the node's work for a connection)."""

    def __init__(
        self, url: str, holder: str, *, name: str = DUTIES, ttl: float = DEFAULT_TTL_SECONDS
    ) -> None:
        self.ttl = ttl
        self.holder = holder
        self._url = url
        self._name = name
        self._conn: psycopg.Connection[tuple[object, ...]] | None = None

    def _connection(self) -> psycopg.Connection[tuple[object, ...]]:
        if self._conn is None or self._conn.closed or self._conn.broken:
            timeout = max(1, int(self.ttl / 3))
            conn = psycopg.connect(self._url, autocommit=True, connect_timeout=timeout)
            # A renewal that hangs must fail before the lease could expire under it.
            conn.execute(f"SET statement_timeout = {int(self.ttl * 1000 / 3)}")
            conn.execute(_CREATE)
            self._conn = conn
        return self._conn

    def claim(self) -> bool:
        """Take the row if it is free or expired, renew it if it is ours."""
        try:
            row = (
                self._connection()
                .execute(_CLAIM, {"name": self._name, "holder": self.holder, "ttl": self.ttl})
                .fetchone()
            )
        except psycopg.Error as exc:
            self._drop()
            # Never echo the URL: it may carry a password.
            _log.warning("lease %s: no answer: %s", self._name, type(exc).__name__)
            return False
        return row is not None

    def current(self) -> LeaseHolder | None:
        """Who holds the lease, as the database says (None: nobody ever or since a release)."""
        row = self._connection().execute(_HOLDER, (self._name,)).fetchone()
        return None if row is None else LeaseHolder(str(row[0]), int(row[1]), bool(row[2]))  # type: ignore[call-overload]

    def release(self) -> None:
        """Delete our row (only ours)."""
        try:
            self._connection().execute(_RELEASE, (self._name, self.holder))
        except psycopg.Error as exc:  # it expires on its own
            _log.warning("lease %s: release failed: %s", self._name, type(exc).__name__)
            self._drop()

    def close(self) -> None:
        """Release, then close the connection."""
        self.release()
        self._drop()

    def _drop(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def open_lease(store: Store, holder: str, *, ttl: float = DEFAULT_TTL_SECONDS) -> Lease:
    """The duties lease of `store`: a lease row when the store is shared (PostgreSQL)."""
    url = store.shared_url
    if url is None:
        return LocalLease()
    return PostgresLease(url, holder, ttl=ttl)


@dataclass
class LeaseTerm:
    """Pure: whether the lease counts as held at a monotonic time, from the claims' outcomes."""

    ttl: float
    held_until: float = float("-inf")

    def claimed(self, sent_at: float, held: bool) -> None:
        """Record a claim sent at `sent_at` (monotonic) and its answer. A refusal or a failed
        call changes nothing: the row is ours until it expires, which it has when another
        holds it, and a database that does not answer cannot hand it to anyone else sooner."""
        if held:
            self.held_until = sent_at + self.ttl

    def held(self, now: float) -> bool:
        """Held while the last successful claim's ttl, counted from its sending, runs."""
        return now < self.held_until


class LeaseKeeper:
    """Claims the lease every `ttl / 3` s; runs `on_acquired` when it becomes held and
    `on_lost` when it stops being held (lost, expired unrenewed, or released at `stop`)."""

    def __init__(
        self,
        lease: Lease,
        on_acquired: Callable[[], None],
        on_lost: Callable[[], None],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lease = lease
        self._on_acquired = on_acquired
        self._on_lost = on_lost
        self._clock = clock
        self._term = LeaseTerm(lease.ttl)
        self._holding = False
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cfx-lease", daemon=True)

    @property
    def holding(self) -> bool:
        """Whether this process does the leased work now."""
        return self._holding

    def start(self) -> None:
        """Claim now (so a lone replica starts its work at once), then keep claiming."""
        self._tick()
        self._thread.start()

    def stop(self) -> None:
        """Stop the work (if held) and release the lease; idempotent."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        self._set(holding=False)
        self._lease.close()

    def _run(self) -> None:
        period = min(self._lease.ttl / 3, 1.0)
        while not self._stopping.wait(period):
            self._tick()

    def _tick(self) -> None:
        sent_at = self._clock()
        self._term.claimed(sent_at, self._lease.claim())
        if not self._stopping.is_set():
            self._set(holding=self._term.held(self._clock()))

    def _set(self, *, holding: bool) -> None:
        if holding == self._holding:
            return
        self._holding = holding
        _log.info("lease: %s", "acquired; doing the duties" if holding else "not held")
        try:
            (self._on_acquired if holding else self._on_lost)()
        except Exception:  # noqa: BLE001 - the keeper must keep renewing; the failure is logged
            _log.exception("lease: starting or stopping the duties failed")
