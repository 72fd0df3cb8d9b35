"""The node's Prometheus metrics, in a registry of their own (so one process can hold several).

Counted as they happen: requests by method and outcome (`cfx_rpc_requests_total`, from the
guard's observers), RPC, verification, validation and store-write latencies (histograms; the
stages' sinks). Read at scrape time (`NodeCollector`): log size, last checkpoint age, per-peer
sync lag and quarantine, open streams per identity. The GEC ledger's size comes from a hook
(`NodeMetrics.gec_ledger`) that answers 0 until a ledger is attached.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from gateway.errors import GatewayError
from gateway.log.checkpoint import Checkpoint, parse_note
from gateway.log.errors import LogError
from gateway.observability.calls import CallEnded
from gateway.observability.logging import event
from gateway.observability.stages import STORE, VALIDATE, VERIFY
from gateway.store.base import Store

_log = logging.getLogger("cfx.metrics")
# From 0.1 ms: a validation takes about 0.15 ms, a verification 0.35 ms, a write a few ms.
_STAGE_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0)
_RPC_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 30.0)


def _no_ledger() -> int:
    """The GEC ledger size before a ledger is attached."""
    return 0


class NodeMetrics:
    """The metrics of one node process: counters and histograms fed as calls run."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.requests = Counter(
            "cfx_rpc_requests",
            "RPCs that ended, by method, gRPC status code and the error's stable reason",
            ["method", "code", "reason"],
            registry=self.registry,
        )
        self.rpc_seconds = Histogram(
            "cfx_rpc_duration_seconds",
            "Time from a call's arrival to its end, by method",
            ["method"],
            buckets=_RPC_BUCKETS,
            registry=self.registry,
        )
        self.verification = self._stage("cfx_verification_seconds", "Proof verification")
        self.validation = self._stage("cfx_validation_seconds", "Schema, rule and profile checks")
        self.store_write = self._stage(
            "cfx_store_write_seconds", "Durable write of a dataset and its log entry"
        )
        # Replaced by the ledger's owner with a function returning its certificate count.
        self.gec_ledger: Callable[[], int] = _no_ledger
        Gauge(
            "cfx_gec_ledger_certificates",
            "Certificates in the GEC ledger (0 until the node keeps one)",
            registry=self.registry,
        ).set_function(self._ledger_size)

    def _ledger_size(self) -> float:
        return self.gec_ledger()  # looked up at each scrape: the hook may be replaced later

    def _stage(self, name: str, what: str) -> Histogram:
        return Histogram(name, f"{what}, seconds", buckets=_STAGE_BUCKETS, registry=self.registry)

    def observe_call(self, ended: CallEnded) -> None:
        """A guard observer: count the call and its duration."""
        self.requests.labels(ended.method, ended.code, ended.reason).inc()
        self.rpc_seconds.labels(ended.method).observe(ended.seconds)

    def bind_stages(self) -> None:
        """Feed the request path's stage timings (per process) into the histograms."""
        VERIFY.sink = self.verification.observe
        VALIDATE.sink = self.validation.observe
        STORE.sink = self.store_write.observe

    def watch(self, state: NodeState) -> None:
        """Read `state` at every scrape."""
        self.registry.register(NodeCollector(state))


@dataclass(frozen=True)
class NodeState:
    """Where the scrape-time figures come from: the store, the stream quota's holders, the
    follower's per-peer lag, and the peers by origin (for the quarantine flags)."""

    store: Store
    open_streams: Callable[[], Mapping[str, int]]
    sync_lag: Callable[[], Mapping[str, int]]
    peers: Mapping[str, str]  # origin -> peer name


class NodeCollector(Collector):
    """The figures read from the node when scraped. A store that cannot answer leaves its
    figures out of that scrape (logged), rather than failing the whole scrape."""

    def __init__(self, state: NodeState) -> None:
        self._state = state

    def describe(self) -> list[Metric]:
        """Nothing up front: describing would read the store at registration."""
        return []

    def collect(self) -> Iterator[Metric]:
        """Log, checkpoint, peers and streams, each family read now."""
        try:
            yield from self._store_figures()
        except (GatewayError, LogError) as err:
            event(_log, "metrics", f"store figures skipped: {err}", logging.WARNING)
        yield self._family(
            "cfx_peer_sync_lag_entries",
            "Entries a peer announced that this node has not pulled yet",
            "peer",
            self._state.sync_lag(),
        )
        yield self._family(
            "cfx_open_streams",
            "Server streams open now, by caller identity",
            "identity",
            self._state.open_streams(),
        )

    def _store_figures(self) -> Iterator[Metric]:
        store = self._state.store
        yield GaugeMetricFamily("cfx_log_size", "Entries in the node's log", store.log_size())
        latest = store.latest_checkpoint()
        if latest is not None:
            signed = Checkpoint.from_note_body(parse_note(latest[1]).text).timestamp
            if signed is not None:
                yield GaugeMetricFamily(
                    "cfx_last_checkpoint_age_seconds",
                    "Seconds since the newest stored checkpoint was signed",
                    max(0.0, time.time() - signed),
                )
        quarantined = store.peer_quarantines()
        yield self._family(
            "cfx_peer_quarantined",
            "1 while a peer is quarantined (sync skips it until released), else 0",
            "peer",
            {name: int(origin in quarantined) for origin, name in self._state.peers.items()},
        )

    @staticmethod
    def _family(name: str, what: str, label: str, values: Mapping[str, int]) -> Metric:
        family = GaugeMetricFamily(name, what, labels=[label])
        for key, value in sorted(values.items()):
            family.add_metric([key], value)
        return family
