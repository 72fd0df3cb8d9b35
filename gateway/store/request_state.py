"""What the store keeps about footprint requests (issue 14): one row per request this node
holds, the outbox of the relay as well (rows still to forward, answers not yet acknowledged).

`SQLStore.update_request` runs a pure change (gateway.requests.machine) on the stored row inside
one write transaction and appends its log entries there too: writers are serialized, so two
answers racing for one request see each other, and exactly one of them stands.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, Final

from gateway.log.sql import Cursor
from gateway.requests.machine import Answer, Criteria, Request, RequestState
from gateway.times import from_sortable, to_sortable

_COLUMNS: Final = (
    "name, criteria, requester, owner, came_from, via, state, answer, acknowledged, ack_sent, "
    "created, updated, sequence"
)
# The named selections the relay and the views need (`?` is the one parameter).
QUERIES: Final = {
    # The requester's view: requests its clients made at this node.
    "requester": "requester = ? AND came_from = ''",
    # The owner's view: requests that reached the owner's home node.
    "owner": "owner = ? AND via = ''",
    # Outbox towards a peer: not yet handed over, or an answer kept but not yet acknowledged.
    "to_forward": "via = ? AND state = 'created'",
    "to_acknowledge": "via = ? AND ack_sent = 0",
    "awaiting": "via = ? AND state = 'forwarded'",
    # Answers owed to the peer node a request came from.
    "answers_for": "came_from = ? AND answer IS NOT NULL AND acknowledged = 0",
    # PACT requests (gateway.pact.requests, `came_from LIKE 'pact:%'`): still open (auto-reject),
    # and answered but not yet delivered to the partner (the PACT delivery outbox).
    "pact_open": "came_from LIKE ? AND state = 'created'",
    "pact_owed": "came_from LIKE ? AND answer IS NOT NULL AND acknowledged = 0",
}


def schema_statements(bigint: str) -> list[str]:
    """The requests table and its indexes."""
    return [
        f"""CREATE TABLE IF NOT EXISTS cfx_requests (
            name TEXT PRIMARY KEY,
            criteria TEXT NOT NULL,
            requester TEXT NOT NULL,
            owner TEXT NOT NULL,
            came_from TEXT NOT NULL,
            via TEXT NOT NULL,
            state TEXT NOT NULL,
            answer TEXT,
            acknowledged INTEGER NOT NULL,
            ack_sent INTEGER NOT NULL,
            created TEXT NOT NULL,
            updated TEXT NOT NULL,
            sequence {bigint} NOT NULL UNIQUE)""",
        "CREATE INDEX IF NOT EXISTS cfx_requests_requester ON cfx_requests (requester, sequence)",
        "CREATE INDEX IF NOT EXISTS cfx_requests_owner ON cfx_requests (owner, sequence)",
        "CREATE INDEX IF NOT EXISTS cfx_requests_via ON cfx_requests (via, state)",
    ]


class RequestTables:
    """The table's queries; `run(cur, sql, params)` adapts `?` placeholders to the dialect."""

    def __init__(self, run: Callable[[Cursor, str, Sequence[Any]], Any]) -> None:
        self._run = run

    def get(self, cur: Cursor, name: str) -> Request | None:
        """The stored request, if any."""
        self._run(cur, f"SELECT {_COLUMNS} FROM cfx_requests WHERE name = ?", (name,))  # noqa: S608 -- literal columns
        row = cur.fetchone()
        return None if row is None else _request(row)

    def put(self, cur: Cursor, request: Request) -> Request:
        """Insert or replace `request` with the next sequence number; the stored request."""
        self._run(cur, "SELECT COALESCE(MAX(sequence), 0) + 1 FROM cfx_requests", ())
        sequence = int(cur.fetchone()[0])
        answer = None if request.answer is None else json.dumps(request.answer.to_dict())
        self._run(
            cur,
            f"INSERT INTO cfx_requests ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "  # noqa: S608 -- literal columns
            "ON CONFLICT (name) DO UPDATE SET state = excluded.state, answer = excluded.answer, "
            "acknowledged = excluded.acknowledged, ack_sent = excluded.ack_sent, "
            "updated = excluded.updated, sequence = excluded.sequence",
            (
                request.name,
                json.dumps(request.criteria.to_dict()),
                request.requester,
                request.owner,
                request.came_from,
                request.via,
                request.state.value,
                answer,
                int(request.acknowledged),
                int(request.ack_sent),
                to_sortable(request.created),
                to_sortable(request.updated),
                sequence,
            ),
        )
        return _with_sequence(request, sequence)

    def select(
        self, cur: Cursor, query: str, value: str, after: int = 0, limit: int = 1000
    ) -> list[Request]:
        """The requests of a named selection (`QUERIES`), by sequence, after `after`."""
        self._run(
            cur,
            f"SELECT {_COLUMNS} FROM cfx_requests WHERE {QUERIES[query]} AND sequence > ? "  # noqa: S608 -- literal clauses
            "ORDER BY sequence LIMIT ?",
            (value, after, limit),
        )
        return [_request(row) for row in cur.fetchall()]


def _with_sequence(request: Request, sequence: int) -> Request:
    return replace(request, sequence=sequence)


def _request(row: Sequence[Any]) -> Request:
    (name, criteria, requester, owner, came_from, via, state, answer, ack, sent, c, u, seq) = row
    return Request(
        name=str(name),
        criteria=Criteria.from_dict(json.loads(str(criteria))),
        requester=str(requester),
        owner=str(owner),
        came_from=str(came_from),
        via=str(via),
        state=RequestState(str(state)),
        created=from_sortable(str(c)),
        updated=from_sortable(str(u)),
        answer=None if answer is None else Answer.from_dict(json.loads(str(answer))),
        acknowledged=bool(ack),
        ack_sent=bool(sent),
        sequence=int(seq),
    )
