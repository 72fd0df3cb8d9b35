"""Every limit an operator can tune, in one place (R7, G4-G6), kept in NODE/config.json.

Caps that belong to a format rather than to a deployment (the size of a signed note, of a key
file, of a trust file; the hashes in a proof of a 2**63-leaf tree) stay with their format's module:
changing them would change what the format is, not how a node runs.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from gateway.errors import NodeError


@dataclass(frozen=True)
class Limits:
    """Sizes, counts and times of one node. Every value is positive; the defaults suit a node
    on a small machine."""

    # gRPC's own default receive cap is 4 MiB; we say it explicitly (G4).
    max_message_bytes: int = 4 * 1024 * 1024
    # One credential (strict JSON refuses past this); as large as one message may be, as before.
    max_credential_bytes: int = 4 * 1024 * 1024
    # The deepest cfx credential nests ~8 levels.
    max_json_depth: int = 32
    # Unary calls in progress on the node, and per caller identity (its organization): one
    # identity can never hold every worker thread (issue 11). Over either: RESOURCE_EXHAUSTED.
    max_concurrent_rpcs: int = 64
    max_calls_per_identity: int = 8
    # Unary calls verifying, validating or writing at once; the others wait for a slot.
    worker_threads: int = 16
    # Open WatchDatasets streams on the node and per identity. Each holds a transport thread
    # (never a work slot); the transport has one for every call these limits admit.
    max_open_streams: int = 128
    max_streams_per_identity: int = 8
    # Deadline clients set when the caller gives none (G5), and the most a server will honour.
    default_deadline_seconds: float = 30.0
    max_deadline_seconds: float = 300.0
    # Below this many seconds left, do not start canonicalization: it could not finish in time.
    min_seconds_for_verify: float = 0.05
    keepalive_time_ms: int = 60_000
    keepalive_timeout_ms: int = 20_000
    max_connection_age_ms: int = 30 * 60_000
    max_connection_age_grace_ms: int = 60_000
    shutdown_grace_seconds: float = 10.0
    # AIP-158: a larger page_size is clamped to this; 0 means default_page_size.
    max_page_size: int = 1000
    default_page_size: int = 50
    max_watch_batch: int = 100
    # Sync (issue 12): leaves per PullEntries page, the default and the most a node serves; the
    # page's credential bytes stay within half the message cap whatever this says.
    sync_page_size: int = 256
    # Sync checks a page of at least sync_pool_min_datasets credentials on this many worker
    # processes (at most one per core; 1: in the syncing thread); smaller pages are checked in
    # the syncing thread, which keeps a follower's latency low. Off by default: the hand-off
    # costs ~0.5 ms of CPU per dataset (bench/sync.py A/B), which only pays with idle cores.
    sync_check_processes: int = 1
    sync_pool_min_datasets: int = 32
    # Submissions one durable commit may carry (group commit).
    max_commit_batch: int = 64
    # The node recomputes its log root from the stored leaves at start and this often after.
    audit_interval_seconds: float = 600.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            kinds = (int,) if f.type == "int" else (int, float)
            if isinstance(value, bool) or not isinstance(value, kinds) or value <= 0:
                raise NodeError(f"limit {f.name} must be a positive {f.type}, not {value!r:.40}")

    def page_size(self, requested: int) -> int:
        """The page size to serve for a requested one (AIP-158: <= 0 is the default)."""
        return self.default_page_size if requested <= 0 else min(requested, self.max_page_size)
