"""The GEC ledger (issue 14): the certificate ranges claimed by the active footprints a node holds.

One row per claimed range: (project, first serial, last serial) with the dataset, its digest, its
issuer organization and where the claim was first logged (origin log, index, time). Rows are
deleted when their footprint is withdrawn or deprecated (its claims are released; a successor
holds only what it claims itself), so the table is exactly the live claims.

Why the overlap query is O(log n). Intake refuses a range that overlaps a live one, so within a
project the rows are disjoint, except where rows were let in knowingly overlapping (a successor
re-claiming its predecessor's range, two nodes' claims brought together by sync): those rows, and
every row they overlap, carry `overlapping = 1`. For a query [a, b] of project p, with the primary
key (project, first_serial) as the index:
  1. rows starting inside [a, b]: a range scan that returns only overlapping rows;
  2. the predecessor P, the row with the greatest first serial below a (one index seek): it is
     the only unflagged row that can contain a, since any other row containing a would also
     contain P's first serial, i.e. overlap P, and both would be flagged;
  3. only when P is flagged: the flagged rows of p that contain a, bounded below by the longest
     possible range (`schemas.electricity.MAX_RANGE`), on the (overlapping, project, first_serial)
     index. Flagged rows are the rare conflicts, so this stays small.
A bound on the range length alone (first > a - MAX_RANGE) would scan up to 10 million serials of
a busy project's claims on every check; the predecessor seek does not depend on range lengths.

Round trips, not index work, are what a check costs on PostgreSQL: 1. and 2. of every claim
checked together (a footprint's claims, or a group commit's) go as one UNION ALL statement, each
branch its own LIMITed index scan on the primary key; only a flagged predecessor costs a query
of its own.

Every method takes the caller's cursor: claims are checked and written in the write transaction
that stores the footprint (`SQLStore._put_one`), so of two racing double claims exactly one wins.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from gateway.gec.claims import Claim, ClaimOrigin, GecConflict, Holder, claims_of
from gateway.log.sql import Cursor
from gateway.store.errors import GecDoubleClaimError
from gateway.store.model import StoredDataset
from gateway.times import from_sortable, to_sortable
from schemas.electricity import MAX_RANGE

_COLUMNS = (
    "project, first_serial, last_serial, name, digest, issuer_org, kind, credential_id, origin, "
    "origin_index, origin_time, overlapping"
)
_SELECT = f"SELECT {_COLUMNS} FROM cfx_gec_claims WHERE "  # noqa: S608 -- literal columns
# At most this many holders are read for one range: enough to refuse and to name the conflicts.
_MAX_HOLDERS = 64
# Claims looked up in one statement (5 parameters each: well within every driver's limit).
_CLAIMS_PER_STATEMENT = 64
# Per claim: 1. the rows starting inside it, 2. its predecessor; each branch tagged with the
# claim's place in the statement and which of the two it is.
_INSIDE = (
    "SELECT * FROM (SELECT {i} AS q, 0 AS part, " + _COLUMNS + " FROM cfx_gec_claims "  # noqa: S608 -- literal columns, an int
    "WHERE project = ? AND first_serial >= ? AND first_serial <= ? "
    f"ORDER BY first_serial LIMIT {_MAX_HOLDERS}) AS inside{{i}}"
)
_BEFORE = (
    "SELECT * FROM (SELECT {i} AS q, 1 AS part, " + _COLUMNS + " FROM cfx_gec_claims "  # noqa: S608 -- literal columns, an int
    "WHERE project = ? AND first_serial < ? ORDER BY first_serial DESC LIMIT 1) AS before{i}"
)


def schema_statements(bigint: str) -> list[str]:
    """The claims and conflicts tables and their indexes."""
    return [
        f"""CREATE TABLE IF NOT EXISTS cfx_gec_claims (
            project TEXT NOT NULL,
            first_serial {bigint} NOT NULL,
            last_serial {bigint} NOT NULL,
            name TEXT NOT NULL,
            digest TEXT NOT NULL,
            issuer_org TEXT NOT NULL,
            kind TEXT NOT NULL,
            credential_id TEXT NOT NULL,
            origin TEXT NOT NULL,
            origin_index {bigint} NOT NULL,
            origin_time TEXT NOT NULL,
            overlapping INTEGER NOT NULL,
            PRIMARY KEY (project, first_serial, name))""",
        "CREATE INDEX IF NOT EXISTS cfx_gec_claims_name ON cfx_gec_claims (name)",
        (
            "CREATE INDEX IF NOT EXISTS cfx_gec_claims_overlapping "
            "ON cfx_gec_claims (overlapping, project, first_serial)"
        ),
        f"""CREATE TABLE IF NOT EXISTS cfx_gec_conflicts (
            winner TEXT NOT NULL,
            loser TEXT NOT NULL,
            project TEXT NOT NULL,
            first_serial {bigint} NOT NULL,
            last_serial {bigint} NOT NULL,
            evidence TEXT NOT NULL,
            detected_at TEXT NOT NULL,
            released INTEGER NOT NULL,
            PRIMARY KEY (winner, loser, project, first_serial))""",
        "CREATE INDEX IF NOT EXISTS cfx_gec_conflicts_loser ON cfx_gec_conflicts (loser)",
    ]


class GecLedger:
    """The ledger's queries; `run(cur, sql, params)` adapts `?` placeholders to the dialect."""

    def __init__(self, run: Callable[[Cursor, str, Sequence[Any]], Any]) -> None:
        self._run = run

    # -- reads ----------------------------------------------------------------------------------

    def holders(self, cur: Cursor, claim: Claim) -> list[Holder]:
        """The live claims overlapping `claim` (see the module note for why this is O(log n))."""
        return self.holders_of(cur, [claim])[0]

    def holders_of(self, cur: Cursor, claims: Sequence[Claim]) -> list[list[Holder]]:
        """For each claim, the live claims it overlaps: one statement per
        `_CLAIMS_PER_STATEMENT` claims (plus one per flagged predecessor)."""
        found: list[list[Holder]] = []
        for at in range(0, len(claims), _CLAIMS_PER_STATEMENT):
            found.extend(self._holders_of(cur, claims[at : at + _CLAIMS_PER_STATEMENT]))
        return found

    def _holders_of(self, cur: Cursor, claims: Sequence[Claim]) -> list[list[Holder]]:
        branches: list[str] = []
        params: list[Any] = []
        for i, claim in enumerate(claims):
            branches += [_INSIDE.format(i=i), _BEFORE.format(i=i)]
            params += [claim.project, claim.first, claim.last, claim.project, claim.first]
        self._run(cur, " UNION ALL ".join(branches), params)
        inside: list[list[Holder]] = [[] for _ in claims]
        before: list[list[Holder]] = [[] for _ in claims]
        for row in cur.fetchall():
            (inside, before)[int(row[1])][int(row[0])].append(_holder(row[2:]))
        return [
            self._overlapping(cur, claim, sorted(rows, key=lambda h: h.claim.first), prior)
            for claim, rows, prior in zip(claims, inside, before, strict=True)
        ]

    def _overlapping(
        self, cur: Cursor, claim: Claim, found: list[Holder], before: list[Holder]
    ) -> list[Holder]:
        """`found` (rows starting inside `claim`) and those before it that reach into it: the
        predecessor, or when it is flagged, the flagged rows containing the claim's first."""
        if before and before[0].overlapping:
            before = self._rows(
                cur,
                "overlapping = 1 AND project = ? AND first_serial < ? AND first_serial > ? "
                f"AND last_serial >= ? LIMIT {_MAX_HOLDERS}",
                (claim.project, claim.first, claim.first - MAX_RANGE, claim.first),
            )
        return found + [h for h in before if h.claim.last >= claim.first]

    def certificates(self, cur: Cursor) -> int:
        """The certificates claimed: each range counts last - first + 1 (1 GEC = 1 MWh)."""
        self._run(
            cur, "SELECT COALESCE(SUM(last_serial - first_serial + 1), 0) FROM cfx_gec_claims", ()
        )
        (total,) = cur.fetchone()
        return int(total)

    def conflicts(self, cur: Cursor, *, released: bool = False) -> list[GecConflict]:
        """The recorded cross-node conflicts (also those since released, when `released`)."""
        where = "" if released else " WHERE released = 0"
        self._run(
            cur,
            "SELECT evidence, detected_at, released, project, first_serial, last_serial "  # noqa: S608 -- literal clause
            f"FROM cfx_gec_conflicts{where} ORDER BY detected_at, winner, loser",
            (),
        )
        return [
            GecConflict(
                overlap=Claim(str(project), int(first), int(last)),
                winner=json.loads(str(evidence))["winner"],
                loser=json.loads(str(evidence))["loser"],
                detected_at=from_sortable(str(detected)),
                released=bool(gone),
            )
            for evidence, detected, gone, project, first, last in cur.fetchall()
        ]

    def _rows(self, cur: Cursor, where: str, params: Sequence[Any]) -> list[Holder]:
        self._run(cur, _SELECT + where, params)
        return [_holder(row) for row in cur.fetchall()]

    # -- writes ---------------------------------------------------------------------------------

    def claim(self, cur: Cursor, record: StoredDataset, origin: ClaimOrigin | None) -> None:
        """Enter `record`'s claims. A local claim (`origin` None) overlapping another live one
        is refused (GecDoubleClaimError; the caller rolls back). A replica's (`origin` given) is
        kept, with a conflict recorded against each claim it overlaps."""
        own = ClaimOrigin("", record.log_index, record.received_at) if origin is None else origin
        claims = claims_of(record.gec_ranges)
        # Looked up together, before any is entered: a claim of this record only ever meets its
        # sibling rows under its own name, which are left out below anyway.
        for claim, held in zip(claims, self.holders_of(cur, claims), strict=True):
            mine = Holder(
                record.name,
                record.digest,
                record.issuer_org,
                record.kind.value,
                claim,
                own,
                credential_id=record.credential_id,
            )
            others = [h for h in held if h.name != record.name]
            rivals = [h for h in others if not _succeeds(record, h)]
            if rivals and origin is None:
                overlap = claim.overlap(rivals[0].claim)
                assert overlap is not None  # holders() returns overlapping claims only
                raise GecDoubleClaimError(overlap.first_id, overlap.last_id, holder=rivals[0].name)
            for rival in rivals:
                self.record_conflict(cur, mine, rival, record.received_at)
            self._insert(cur, mine, overlapping=bool(others))
            self._flag(cur, others)

    def release(self, cur: Cursor, name: str) -> None:
        """A withdrawn or deprecated footprint's claims go; its conflicts are marked released."""
        self._run(cur, "DELETE FROM cfx_gec_claims WHERE name = ?", (name,))
        self._run(
            cur,
            "UPDATE cfx_gec_conflicts SET released = 1 WHERE winner = ? OR loser = ?",
            (name, name),
        )

    def _insert(self, cur: Cursor, holder: Holder, *, overlapping: bool) -> None:
        self._run(
            cur,
            f"INSERT INTO cfx_gec_claims ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "  # noqa: S608 -- literal columns
            "ON CONFLICT DO NOTHING",
            (
                holder.claim.project,
                holder.claim.first,
                holder.claim.last,
                holder.name,
                holder.digest,
                holder.issuer_org,
                holder.kind,
                holder.credential_id,
                holder.origin.origin,
                holder.origin.index,
                to_sortable(holder.origin.time),
                int(overlapping),
            ),
        )

    def _flag(self, cur: Cursor, holders: Iterable[Holder]) -> None:
        for holder in holders:
            if not holder.overlapping:
                self._run(
                    cur,
                    "UPDATE cfx_gec_claims SET overlapping = 1 "
                    "WHERE project = ? AND first_serial = ? AND name = ?",
                    (holder.claim.project, holder.claim.first, holder.name),
                )

    def record_conflict(self, cur: Cursor, mine: Holder, rival: Holder, now: datetime) -> bool:
        """Record the conflict of two claims (the earlier at its origin wins); False when it
        was recorded already."""
        overlap = mine.claim.overlap(rival.claim)
        assert overlap is not None
        conflict = GecConflict.between(mine, rival, overlap, now)
        evidence = {"winner": conflict.winner, "loser": conflict.loser}
        names = (conflict.winner["dataset"], conflict.loser["dataset"])
        key = (*names, overlap.project, overlap.first)
        self._run(
            cur,
            "SELECT 1 FROM cfx_gec_conflicts "
            "WHERE winner = ? AND loser = ? AND project = ? AND first_serial = ?",
            key,
        )
        if cur.fetchone() is not None:
            return False
        self._run(
            cur,
            "INSERT INTO cfx_gec_conflicts (winner, loser, project, first_serial, last_serial, "
            "evidence, detected_at, released) VALUES (?, ?, ?, ?, ?, ?, ?, 0) "
            "ON CONFLICT DO NOTHING",
            (
                conflict.winner["dataset"],
                conflict.loser["dataset"],
                overlap.project,
                overlap.first,
                overlap.last,
                json.dumps(evidence, sort_keys=True),
                to_sortable(now),
            ),
        )
        return True


def _succeeds(record: StoredDataset, holder: Holder) -> bool:
    """A footprint may re-claim what the footprint it supersedes (same organization) claims:
    the predecessor's claims go when it is deprecated (issue 14)."""
    return holder.issuer_org == record.issuer_org and holder.credential_id in record.supersedes


def _holder(row: Sequence[Any]) -> Holder:
    project, first, last, name, digest, org, kind, credential_id, origin, index, time, flag = row
    return Holder(
        name=str(name),
        digest=str(digest),
        issuer_org=str(org),
        kind=str(kind),
        credential_id=str(credential_id),
        claim=Claim(str(project), int(first), int(last)),
        origin=ClaimOrigin(str(origin), int(index), from_sortable(str(time))),
        overlapping=bool(flag),
    )
