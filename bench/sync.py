"""Sync between two real nodes (issue 12): datasets/s and the puller's peak RSS for a full,
verified sync of N footprints, next to a same-run baseline; then acceptance-to-visibility latency.

Setup: a provincial origin node (`sichuan`) and a national puller (`national`), each its own
directory and SQLite store, on 127.0.0.1 only; the puller holds the `node` identity the origin
issued to it and lists the origin in its signed peers.json. Both trust the exporter's key.

1. Origin's store. N copies of the GB/T 24067 battery footprint (82 fields, 2 GEC claims), each
   with its own subject id, are signed in bulk with a test Ed25519 key (2 processes), then written
   through the origin's `Intake.submit` in-process (4 threads, so group commit batches them).
   That is the same check-store-log path as SubmitDataset without the gRPC hop, which
   `bench/submit.py` measures on its own; here it only has to build the store fast.
2. Baseline (same run, same bytes): the puller's `CredentialChecker` parsing and checking
   (signature, trust, schema, profile, rules) the credentials in-process: no gRPC, no proofs,
   no store. ratio = sync rate / baseline rate is what federation adds around the checks.
3. Sync: the origin runs as `cfx serve` in its own process; the puller runs
   `gateway.federation.rounds.sync_round` in a child process (real gRPC + mTLS, PullEntries
   pages proven against the signed checkpoint, every dataset through the full checker, stored
   with the position per page; a large page's checks on `--check-processes` worker processes,
   gateway.federation.check_pool). The child reports progress and /proc/self/status
   VmRSS/VmHWM every 0.25 s, and the RSS of its whole process tree (the check workers too); the
   table gives RSS at 10 %, 50 % and 100 % of the datasets. Its CPU is the whole tree's.
4. Latency: a client submits to the origin over gRPC at `--rate`/s for `--latency-seconds`
   while the puller syncs continuously. `--follow serve` (the default where `cfx serve` follows
   its peers, gateway.federation.follower): the puller is its own `cfx serve`, and a client polls
   it (GetDataset of the oldest dataset not seen yet, every 5 ms) for each accepted dataset.
   `--follow loop` (the default before that): this process runs `sync_round` in a tight loop
   (one mTLS connection per round); visibility = the end of the round that stored it.

    .venv/bin/python -P bench/sync.py                  # 100,000 footprints
    .venv/bin/python -P bench/sync.py --count 2000     # a quick run
    .venv/bin/python -P bench/sync.py --count 5000 --profile /tmp/sync.prof   # cProfile the puller

Targets (issue 12): >= 1,000 datasets/s with RSS flat; latency p99 < 2 s at 100 submissions/s.
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import importlib.util
import itertools
import json
import multiprocessing as mp
import os
import pstats
import re
import runpy
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gateway.app import Node, log_vkey_path, open_node
from gateway.checker import CredentialChecker
from gateway.client import CfxClient, ClientError
from gateway.demo.documents import moved_serials
from gateway.domain import NodeRole
from gateway.federation.peers import PEERS_FILE, Peer, PeerSet
from gateway.federation.rounds import node_peers, sync_round
from gateway.log.entry import DatasetReplicated, decode_entry
from gateway.node import (
    NodePaths,
    add_client,
    edit_trust,
    init_node,
    load_config,
    load_node_key,
    save_config,
)
from gateway.process import spawn_server
from gateway.trust import Role
from schemas.paths import PACKAGE_DIR
from signing.keys import PrivateKey, generate_key, load_key, save_key
from signing.loader import default_loader
from signing.proofs import sign

record = runpy.run_path(str(Path(__file__).with_name("results.py")))["record"]

TEMPLATE = PACKAGE_DIR / "examples" / "valid" / "product-footprint-power-battery-with-gec.json"
EXPORTER = "sichuan-cells"
TARGET_RATE = 1000
TARGET_P99_S = 2.0


@dataclass
class Pair:
    origin: NodePaths
    puller: NodePaths
    key_path: Path
    peer: Peer
    exporter_identity: Path
    puller_exporter: Path


# The GEC ledger refuses a second claim of a certificate: footprint `i` of a run claims the
# template's ranges moved by block i + 1 (gateway.demo.documents.moved_serials).
_LATENCY_INDICES = itertools.count(20_000_000)  # latency runs, far from the synced batches


def _footprints(key: PrivateKey, indices: Iterable[int]) -> Iterator[bytes]:
    """The template footprint signed by `key`, once per index, each claiming its own GECs."""
    template = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    template.pop("proof", None)
    template.pop("id", None)
    template["issuer"] = key.did
    for index in indices:
        document = copy.deepcopy(template)
        document["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
        moved_serials(document, index + 1)
        yield json.dumps(sign(document, key)).encode()


def _sign_batch(args: tuple[str, int, int, Path]) -> Path:
    key_path, start, count, out = args
    with out.open("wb") as fh:
        for credential in _footprints(load_key(key_path), range(start, start + count)):
            fh.write(credential + b"\n")
    return out


def _status_kib(pid: int | str = "self") -> dict[str, int]:
    text = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    return {k: int(v) for k, v in re.findall(r"(VmRSS|VmHWM):\s+(\d+) kB", text)}


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` (proc(5): fields 14 and 15 of /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> list[int]:
    """`pid` and its descendants (proc(5): /proc/PID/task/TID/children)."""
    found = [pid]
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in children.read_text(encoding="ascii").split():
            found += _tree(int(child))
    return found


def _tree_totals(pid: int) -> tuple[float, int]:
    """CPU seconds and VmRSS (KiB) summed over `pid` and its living descendants."""
    cpu, rss = 0.0, 0
    for member in _tree(pid):
        try:
            cpu += _cpu_seconds(member)
            rss += _status_kib(member)["VmRSS"]
        except (FileNotFoundError, KeyError, ProcessLookupError):
            continue  # ended meanwhile
    return cpu, rss


def make_pair(root: Path) -> Pair:
    """Two node directories: the origin (provincial) and the puller (national) listing it."""
    now = datetime.now(UTC)
    key = generate_key("ed25519")
    key_path = root / "exporter.key"
    save_key(key, key_path)
    nodes = []
    for name, role in (("sichuan", NodeRole.PROVINCIAL), ("national", NodeRole.NATIONAL)):
        paths = init_node(root / name, role=role, org=name, now=now)
        add_client(paths, org=EXPORTER, role=Role.EXPORTER, out=root / f"{name}-exporter", now=now)
        edit_trust(paths, lambda r: r.with_key(EXPORTER, Role.EXPORTER, key.did, now))
        nodes.append(paths)
    origin, puller = nodes
    identity = root / "national-at-sichuan"
    add_client(
        origin, org="national", role=Role.NODE, out=identity, now=now, node_role=NodeRole.NATIONAL
    )
    peer = Peer(
        name="sichuan",
        address="127.0.0.1:1",  # set once the origin serves
        identity=identity,
        log_key=_origin_vkey(origin),
        org="sichuan",
        node_role=NodeRole.PROVINCIAL,
    )
    return Pair(
        origin, puller, key_path, peer, root / "sichuan-exporter", root / "national-exporter"
    )


def _origin_vkey(paths: NodePaths) -> str:
    node = open_node(paths.root)  # writes log.vkey
    node.close()
    return log_vkey_path(paths).read_text(encoding="utf-8")


def write_peers(pair: Pair, address: str) -> Peer:
    peer = Peer(
        name=pair.peer.name,
        address=address,
        identity=pair.peer.identity,
        log_key=pair.peer.log_key,
        org=pair.peer.org,
        node_role=pair.peer.node_role,
    )
    PEERS_FILE.save(
        pair.puller.root / "peers.json", PeerSet().with_peer(peer), load_node_key(pair.puller)
    )
    return peer


def build_origin(pair: Pair, batches: list[Path]) -> tuple[int, float]:
    """Every credential through the origin's Intake in-process; returns (accepted, seconds)."""
    node = open_node(pair.origin.root)
    try:
        caller = node.trust.current().organization(EXPORTER)
        lock = threading.Lock()
        accepted = 0

        def submit_file(batch: Path) -> None:
            nonlocal accepted
            with batch.open("rb") as fh:
                for line in fh:
                    node.intake.submit(line.rstrip(b"\n"), str(uuid.uuid4()), caller)
                    with lock:
                        accepted += 1

        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=len(batches)) as pool:
            list(pool.map(submit_file, batches))
        node.log.checkpoint()
        node.log.flush()
        return accepted, time.perf_counter() - t0
    finally:
        node.close()


def baseline(pair: Pair, batches: list[Path], count: int) -> tuple[int, float, float]:
    """The puller's checker on the same bytes, in-process: parse + check, nothing else."""
    node = open_node(pair.puller.root)
    try:
        checker = CredentialChecker(loader=default_loader(), limits=node.config.limits)
        registry = node.trust.current()
        done = 0
        t0, c0 = time.perf_counter(), time.process_time()
        for batch in batches:
            with batch.open("rb") as fh:
                for line in fh:
                    if done >= count:
                        break
                    parsed = checker.parse(line.rstrip(b"\n"))
                    checker.check(
                        parsed,
                        registry=registry,
                        now=node.clock(),
                        rules=node.catalog.rules_cited_by(parsed),
                    )
                    done += 1
        return done, time.perf_counter() - t0, time.process_time() - c0
    finally:
        node.close()


# -- the puller child ----------------------------------------------------------------------------


def puller_child(root: Path, expect: int, time_limit: float, profile: str | None) -> int:
    """Sync rounds until `expect` datasets are stored; JSON lines of progress on stdout."""
    node = open_node(root)
    start_size = node.store.log_size()
    stop = threading.Event()
    t0, c0 = time.perf_counter(), _tree_totals(os.getpid())[0]

    def report() -> None:
        while True:
            done = node.store.log_size() - start_size
            tree_rss = _tree_totals(os.getpid())[1]
            sample = {"t": time.perf_counter() - t0, "done": done, "tree": tree_rss}
            print(json.dumps(sample | _status_kib()))
            sys.stdout.flush()
            if stop.wait(0.25):
                return

    sampler = threading.Thread(target=report, daemon=True)
    sampler.start()
    summaries: list[dict[str, Any]] = []
    profiler = cProfile.Profile() if profile else None
    try:
        peers = list(node_peers(node).peers)
        while node.store.log_size() - start_size < expect and time.perf_counter() - t0 < time_limit:
            if profiler:
                profiler.enable()
            summaries += [s.to_dict() for s in sync_round(node, peers)]
            if profiler:
                profiler.disable()
            if summaries[-1]["outcome"] != "synced":
                break
        # Before the pool's workers end with this process: their CPU counts.
        elapsed, cpu = time.perf_counter() - t0, _tree_totals(os.getpid())[0] - c0
        done = node.store.log_size() - start_size
    finally:
        stop.set()
        sampler.join()
        node.close()
    if profiler and profile:
        profiler.dump_stats(profile)
    final = {"elapsed": elapsed, "cpu": cpu, "done": done, "summaries": summaries, **_status_kib()}
    print(json.dumps({"final": final}))
    return 0


def run_puller(pair: Pair, expect: int, time_limit: float, profile: str | None) -> dict[str, Any]:
    argv = [sys.executable, "-P", __file__, "--puller-child", str(pair.puller.root)]
    argv += ["--count", str(expect), "--time-limit", str(time_limit)]
    if profile:
        argv += ["--profile", profile]
    samples: list[dict[str, Any]] = []
    final: dict[str, Any] = {}
    with subprocess.Popen(argv, stdout=subprocess.PIPE, text=True) as child:
        assert child.stdout is not None
        for line in child.stdout:
            record = json.loads(line)
            if "final" in record:
                final = record["final"]
            else:
                samples.append(record)
                if len(samples) % 40 == 0:
                    print(
                        f"  synced {record['done']:>8,}  RSS {record['VmRSS'] / 1024:6.1f} MiB "
                        f"(with workers {record['tree'] / 1024:6.1f} MiB)",
                        flush=True,
                    )
    if not final:
        raise SystemExit(f"the puller exited ({child.returncode}) without a result")
    final["samples"] = samples
    return final


def rss_at(
    samples: list[dict[str, Any]], fraction: float, total: int
) -> tuple[float, float, float]:
    """(VmRSS, VmHWM, RSS with workers) in MiB at the first sample with `fraction` done."""
    chosen = next((s for s in samples if s["done"] >= fraction * total), samples[-1])
    return chosen["VmRSS"] / 1024, chosen["VmHWM"] / 1024, chosen.get("tree", 0) / 1024


def set_check_processes(paths: NodePaths, processes: int) -> None:
    """The puller's `sync_check_processes` limit (gateway.federation.check_pool)."""
    config = load_config(paths)
    limits = replace(config.limits, sync_check_processes=processes)
    save_config(paths, replace(config, limits=limits))


# -- latency -------------------------------------------------------------------------------------


def _signed(pair: Pair, count: int) -> list[bytes]:
    indices = [next(_LATENCY_INDICES) for _ in range(count)]
    return list(_footprints(load_key(pair.key_path), indices))


def _submitter(
    address: str,
    identity: Path,
    credentials: list[bytes],
    rate: float,
    accepted: list[tuple[str, float]],
) -> threading.Thread:
    """A thread submitting `credentials` at `rate`/s, appending (name, time accepted) to
    `accepted` (list.append is atomic: the reader keeps its own index)."""

    def run() -> None:
        with CfxClient(address, identity) as client:
            t0 = time.perf_counter()
            for i, raw in enumerate(credentials):
                delay = t0 + i / rate - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                name = client.submit(raw).dataset.name
                accepted.append((name, time.perf_counter()))

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def latency_serve(pair: Pair, address: str, rate: float, seconds: float) -> list[float]:
    """The puller as `cfx serve` following the origin; a client polls it for each dataset."""
    credentials = _signed(pair, int(rate * seconds))
    accepted: list[tuple[str, float]] = []
    visible: dict[str, float] = {}
    log = (pair.puller.root / "serve.log").open("w", encoding="utf-8")
    puller = spawn_server(pair.puller.root, log=log)
    try:
        with CfxClient(puller.address, pair.puller_exporter) as client:
            thread = _submitter(address, pair.exporter_identity, credentials, rate, accepted)
            deadline = time.perf_counter() + seconds + 30
            # Datasets arrive in log order: poll the oldest one not seen yet, then the next.
            while len(visible) < len(credentials) and time.perf_counter() < deadline:
                if len(visible) >= len(accepted):
                    time.sleep(0.005)
                    continue
                name = accepted[len(visible)][0]
                try:
                    client.get(name)
                except ClientError:
                    time.sleep(0.005)
                    continue
                visible[name] = time.perf_counter()
            thread.join()
    finally:
        puller.process.terminate()
        puller.process.wait(timeout=30)
        log.close()
    return [visible[name] - t for name, t in accepted if name in visible]


def latency(pair: Pair, peer: Peer, address: str, rate: float, seconds: float) -> list[float]:
    """Submit at `rate`/s to the origin over gRPC while this process runs `sync_round` in a loop."""
    credentials = _signed(pair, int(rate * seconds))
    accepted: list[tuple[str, float]] = []
    visible: dict[str, float] = {}
    node: Node = open_node(pair.puller.root)
    try:
        seen = node.store.log_size()
        thread = _submitter(address, pair.exporter_identity, credentials, rate, accepted)
        deadline = time.perf_counter() + seconds + 30
        while time.perf_counter() < deadline:
            finished = not thread.is_alive()
            sync_round(node, [peer])
            now = time.perf_counter()
            size = node.store.log_size()
            for raw_entry in node.store.log_entries(seen, size) if size > seen else []:
                entry = decode_entry(bytes(raw_entry))
                if isinstance(entry, DatasetReplicated):
                    visible[entry.dataset] = now
            seen = size
            if finished and len(visible) >= len(credentials):
                break
        thread.join()
    finally:
        node.close()
    return [visible[name] - t for name, t in accepted if name in visible]


# -- main ----------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="footprints to sync")
    parser.add_argument("--time-limit", type=float, default=1800.0, help="seconds for the sync")
    parser.add_argument("--baseline-count", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=100.0, help="submissions/s (latency)")
    parser.add_argument("--latency-seconds", type=float, default=30.0)
    parser.add_argument(
        "--follow",
        choices=("serve", "loop"),
        default="serve" if importlib.util.find_spec("gateway.federation.follower") else "loop",
        help="latency: the puller's own `cfx serve` following, or a loop of sync_round here",
    )
    parser.add_argument(
        "--check-processes",
        type=int,
        default=0,
        help="the puller's sync check workers (1: in the syncing thread); default: its limits",
    )
    parser.add_argument("--profile", help="cProfile the puller's sync into this file")
    parser.add_argument("--puller-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.puller_child:
        return puller_child(Path(args.puller_child), args.count, args.time_limit, args.profile)

    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="cfx-bench-sync-") as tmp_name:
        tmp = Path(tmp_name)
        pair = make_pair(tmp)
        if args.check_processes:
            set_check_processes(pair.puller, args.check_processes)
        t0 = time.perf_counter()
        shares = [args.count // 4] * 4
        shares[0] += args.count - sum(shares)
        starts = [sum(shares[:i]) for i in range(len(shares))]
        jobs = [
            (str(pair.key_path), start, n, tmp / f"batch{i}.jsonl")
            for i, (start, n) in enumerate(zip(starts, shares, strict=True))
        ]
        with ProcessPoolExecutor(max_workers=2, mp_context=mp.get_context("spawn")) as pool:
            batches = list(pool.map(_sign_batch, jobs))
        print(f"signed {args.count:,} footprints in {time.perf_counter() - t0:.1f} s", flush=True)
        built, build_s = build_origin(pair, batches)
        print(f"origin: {built:,} accepted through Intake in {build_s:.1f} s", flush=True)
        base_n, base_s, base_cpu = baseline(pair, batches, min(args.baseline_count, args.count))
        print(f"baseline: {base_n:,} checked in {base_s:.1f} s", flush=True)

        server_log = (tmp / "origin.log").open("w+", encoding="utf-8")
        server = spawn_server(pair.origin.root, log=server_log)
        try:
            peer = write_peers(pair, server.address)
            origin_cpu = _cpu_seconds(server.pid)
            result = run_puller(pair, built, args.time_limit, args.profile)
            origin_cpu = _cpu_seconds(server.pid) - origin_cpu
            if args.follow == "serve":
                lat = latency_serve(pair, server.address, args.rate, args.latency_seconds)
            else:
                lat = latency(pair, peer, server.address, args.rate, args.latency_seconds)
        finally:
            server.process.terminate()
            server.process.wait(timeout=30)
            server_log.close()
    load_end = os.getloadavg()[0]

    done, elapsed = result["done"], result["elapsed"]
    refused = sum(len(s["refused"]) for s in result["summaries"])
    sync_rate, base_rate = done / elapsed, base_n / base_s
    sync_cpu_rate, base_cpu_rate = done / result["cpu"], base_n / base_cpu
    samples = result["samples"] or [result]
    rss = {f: rss_at(samples, f, done) for f in (0.1, 0.5, 1.0)}
    lat.sort()
    print(f"\n{done:,} of {built:,} datasets synced in {elapsed:.1f} s ({refused} refused)")
    print("| measure | result | baseline (same run) | ratio | target |")
    print("|---|---|---|---|---|")
    print(
        f"| sync, fully verified, SQLite puller | {sync_rate:,.0f} datasets/s | "
        f"checker in-process {base_rate:,.0f}/s | {sync_rate / base_rate:.2f} | "
        f">= {TARGET_RATE:,}/s |"
    )
    print(
        f"| same, per CPU-second of the puller | {sync_cpu_rate:,.0f} datasets/s | "
        f"checker {base_cpu_rate:,.0f}/s | {sync_cpu_rate / base_cpu_rate:.2f} | |"
    )
    print(
        f"| CPU per dataset: puller / origin serving | {1000 * result['cpu'] / done:.2f} ms / "
        f"{1000 * origin_cpu / done:.2f} ms | checker {1000 * base_cpu / base_n:.2f} ms | | |"
    )
    print(
        "| puller RSS at 10/50/100 % (peak) | "
        + " / ".join(f"{rss[f][0]:.0f}" for f in rss)
        + f" MiB (VmHWM {rss[1.0][1]:.0f} MiB); with check workers "
        + " / ".join(f"{rss[f][2]:.0f}" for f in rss)
        + " MiB | | | flat |"
    )
    record(
        "sync",
        f"sync, fully verified, {done:,} datasets",
        sync_rate,
        "datasets/s",
        target=TARGET_RATE,
        note=f"same-run checker {base_rate:,.0f}/s",
    )
    how = "puller's cfx serve following" if args.follow == "serve" else "sync_round loop"
    if lat:
        p50 = statistics.median(lat)
        p99 = lat[min(len(lat) - 1, int(0.99 * len(lat)))]
        print(
            f"| accept -> visible at {args.rate:.0f}/s, {how} | p50 {p50:.2f} s, "
            f"p99 {p99:.2f} s ({len(lat)} datasets) | | | p99 < {TARGET_P99_S} s |"
        )
        record(
            "sync",
            f"accept -> visible p99 at {args.rate:.0f}/s",
            p99,
            "s",
            target=TARGET_P99_S,
            higher_is_better=False,
        )
    print(f"load average {load_start:.1f} at start, {load_end:.1f} at end, {os.cpu_count()} CPUs")
    print("(puller CPU and 'with check workers' RSS: the puller's whole process tree;")
    print(" per CPU-second: what the puller's code costs with a core to itself; the origin")
    print(" serves from its own process, its CPU is the 'origin serving' figure; wall: what")
    print(" this load allowed, with the origin and the puller sharing the 2 cores)")
    if args.profile:
        pstats.Stats(args.profile).sort_stats("cumulative").print_stats(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
