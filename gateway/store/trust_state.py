"""What the store remembers about the trust registry, so that no file can take it back (R4).

Two facts outlive any trust.json: the highest registry version this node ever adopted (an older
file put back is a rollback), and every key revocation the log recorded (a revoked key stays
revoked whatever a later file says). Both are tables next to the log, written in the caller's
transaction: a `key_revocation` log entry and its row commit together.

The other signed node files (gateway.trust.signed_file: `peers.json`, …) are versioned the same
way; their highest adopted versions are rows of one table keyed by the file's name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from gateway.log.entry import StatusChange, StatusChangeKind, decode_entry
from gateway.log.errors import MalformedEntryError
from gateway.log.sql import Cursor
from gateway.times import from_sortable, to_sortable

# Log entries read per query while indexing the revocations of a log written before the table.
_INDEX_BATCH = 10_000


def schema_statements(bigint: str) -> list[str]:
    """The trust-state tables: the highest trust.json version adopted, and key revocations."""
    return [
        # One row: the CHECK keeps it one.
        f"""CREATE TABLE IF NOT EXISTS cfx_trust_state (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            highest_version {bigint} NOT NULL)""",
        f"""CREATE TABLE IF NOT EXISTS cfx_key_revocations (
            did TEXT PRIMARY KEY,
            revoked_at TEXT NOT NULL,
            log_index {bigint} NOT NULL)""",
        f"""CREATE TABLE IF NOT EXISTS cfx_signed_file_versions (
            file TEXT PRIMARY KEY,
            highest_version {bigint} NOT NULL)""",
    ]


def key_revocation(entry: bytes) -> StatusChange | None:
    """The key revocation `entry` records, if it is one (other entries and junk: None)."""
    try:
        decoded = decode_entry(entry)
    except MalformedEntryError:
        return None
    if isinstance(decoded, StatusChange) and decoded.change is StatusChangeKind.KEY_REVOCATION:
        return decoded
    return None


class TrustState:
    """The two tables' queries; `run(cur, sql, params)` adapts `?` placeholders to the dialect."""

    def __init__(self, run: Callable[[Cursor, str, Sequence[Any]], Any]) -> None:
        self._run = run

    def advance_version(self, cur: Cursor, version: int) -> int:
        """Raise the stored highest version to `version` if it is lower; the highest after."""
        self._run(
            cur,
            "INSERT INTO cfx_trust_state (id, highest_version) VALUES (1, ?) "
            "ON CONFLICT (id) DO UPDATE SET highest_version = excluded.highest_version "
            "WHERE cfx_trust_state.highest_version < excluded.highest_version",
            (version,),
        )
        self._run(cur, "SELECT highest_version FROM cfx_trust_state WHERE id = 1", ())
        return int(cur.fetchone()[0])

    def advance_file_version(self, cur: Cursor, file: str, version: int) -> int:
        """`advance_version` for the signed node file named `file` (e.g. `peers.json`)."""
        self._run(
            cur,
            "INSERT INTO cfx_signed_file_versions (file, highest_version) VALUES (?, ?) "
            "ON CONFLICT (file) DO UPDATE SET highest_version = excluded.highest_version "
            "WHERE cfx_signed_file_versions.highest_version < excluded.highest_version",
            (file, version),
        )
        self._run(
            cur, "SELECT highest_version FROM cfx_signed_file_versions WHERE file = ?", (file,)
        )
        return int(cur.fetchone()[0])

    def record_revocations(self, cur: Cursor, logged: Iterable[tuple[int, bytes]]) -> None:
        """Index the key revocations among (log index, entry bytes); the first one of a key
        stays (its time is when the key stopped counting)."""
        for index, entry in logged:
            revocation = key_revocation(entry)
            if revocation is not None:
                self._run(
                    cur,
                    "INSERT INTO cfx_key_revocations (did, revoked_at, log_index) "
                    "VALUES (?, ?, ?) ON CONFLICT (did) DO NOTHING",
                    (revocation.target, to_sortable(revocation.changed_at), index),
                )

    def index_log(self, cur: Cursor, size: int, entries: Callable[[int, int], list[bytes]]) -> None:
        """Index every key revocation among the first `size` entries (a log older than the
        table); `entries(start, end)` reads them in the same transaction."""
        for start in range(0, size, _INDEX_BATCH):
            batch = entries(start, min(size, start + _INDEX_BATCH))
            self.record_revocations(cur, enumerate(batch, start))

    def revocations(self, cur: Cursor) -> dict[str, datetime]:
        """Every logged key revocation: DID -> when it was revoked."""
        self._run(cur, "SELECT did, revoked_at FROM cfx_key_revocations", ())
        return {str(did): from_sortable(str(at)) for did, at in cur.fetchall()}
