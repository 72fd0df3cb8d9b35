"""What the store keeps of the trust its peers vouch for (issue 12, delegated trust).

One row per (peer log, vouched registry): the registry as the peer served it (still signed by the
node it belongs to, gateway.federation.vouching.Vouched) and its version, so a peer that serves an
older registry than one this node adopted is caught (rollback, R4). The key revocations a peer
logs are merged into the row of its own registry; a revocation, once kept, is never dropped.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from gateway.federation.vouching import Vouched
from gateway.log.sql import Cursor


def schema_statements(bigint: str) -> list[str]:
    """The delegated-trust table."""
    return [
        f"""CREATE TABLE IF NOT EXISTS cfx_delegated_trust (
            peer_origin TEXT NOT NULL,
            origin TEXT NOT NULL,
            version {bigint} NOT NULL,
            entry TEXT NOT NULL,
            PRIMARY KEY (peer_origin, origin))""",
    ]


class DelegationState:
    """The table's queries; `run(cur, sql, params)` adapts `?` placeholders to the dialect."""

    def __init__(self, run: Callable[[Cursor, str, Sequence[Any]], Any]) -> None:
        self._run = run

    def held(self, cur: Cursor, peer_origin: str) -> list[tuple[int, Vouched]]:
        """The registries `peer_origin` vouches for, with their versions, by origin."""
        self._run(
            cur,
            "SELECT version, entry FROM cfx_delegated_trust WHERE peer_origin = ? ORDER BY origin",
            (peer_origin,),
        )
        return [(int(v), Vouched.from_dict(json.loads(str(e)))) for v, e in cur.fetchall()]

    def replace(self, cur: Cursor, peer_origin: str, rows: Sequence[tuple[int, Vouched]]) -> None:
        """Keep exactly `rows` for `peer_origin`; revocations already kept stay."""
        kept = {vouched.origin: vouched.revocations for _, vouched in self.held(cur, peer_origin)}
        self._run(cur, "DELETE FROM cfx_delegated_trust WHERE peer_origin = ?", (peer_origin,))
        for version, vouched in rows:
            merged = _merged(kept.get(vouched.origin, {}), vouched.revocations)
            self._insert(cur, peer_origin, version, _with_revocations(vouched, merged))

    def add_revocations(
        self, cur: Cursor, peer_origin: str, revocations: Mapping[str, datetime]
    ) -> None:
        """Merge key revocations `peer_origin` logged into the row of its own registry."""
        for version, vouched in self.held(cur, peer_origin):
            if vouched.origin == peer_origin:
                merged = _merged(vouched.revocations, revocations)
                self._run(
                    cur,
                    "DELETE FROM cfx_delegated_trust WHERE peer_origin = ? AND origin = ?",
                    (peer_origin, peer_origin),
                )
                self._insert(cur, peer_origin, version, _with_revocations(vouched, merged))

    def _insert(self, cur: Cursor, peer_origin: str, version: int, vouched: Vouched) -> None:
        self._run(
            cur,
            "INSERT INTO cfx_delegated_trust (peer_origin, origin, version, entry) "
            "VALUES (?, ?, ?, ?)",
            (peer_origin, vouched.origin, version, json.dumps(vouched.to_dict(), sort_keys=True)),
        )


def _merged(first: Mapping[str, datetime], second: Mapping[str, datetime]) -> dict[str, datetime]:
    """Both sets of revocations; a key revoked twice keeps its earlier time."""
    out = dict(first)
    for did, at in second.items():
        out[did] = min(at, out.get(did, at))
    return out


def _with_revocations(vouched: Vouched, revocations: Mapping[str, datetime]) -> Vouched:
    return Vouched(vouched.path, vouched.log_key, vouched.trust_file, revocations)
