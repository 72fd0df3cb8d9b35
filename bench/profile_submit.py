"""Where a submission's server time goes: cProfile of SubmitDataset inside a real mTLS server.

The node and the pre-signed credentials are bench/submit.py's. The server runs in this process
(so cProfile can see it) and the clients in other processes, over real gRPC with mTLS. Each
server thread gets its own profiler around the SubmitDataset handler (guard, servicer, intake,
checker, store, log, receipt); gRPC's C core and protobuf coding are outside it, as they are
in the no-op call too. First an unprofiled pass reports the handler's CPU time per submission,
then a profiled pass lists the top functions by cumulative and by own time. The profiler's clock
is each thread's CPU time, so waiting (for the GIL, a lock, the group commit's fsync) is not
counted: the figures are what a submission costs the server's CPU.

    .venv/bin/python -P bench/profile_submit.py                  # 2,000 + 2,000 submissions
    .venv/bin/python -P bench/profile_submit.py --top 40 --out /tmp/submit.prof
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import multiprocessing as mp
import pstats
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any

from gateway.app import open_node, start
from gateway.rpc.exchange import ExchangeServicer


def _load_submit_bench() -> ModuleType:
    """bench/submit.py as a module (not via sys.path: bench/signing.py would shadow `signing`)."""
    spec = importlib.util.spec_from_file_location(
        "cfx_bench_submit", Path(__file__).with_name("submit.py")
    )
    if spec is None or spec.loader is None:
        raise ImportError("bench/submit.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


_submit = _load_submit_bench()
_submit_worker = _submit._submit_worker  # noqa: SLF001


class HandlerMeter:
    """Wraps the SubmitDataset handler: CPU seconds per call, and optionally a per-thread
    cProfile (cProfile sees only the thread that enabled it)."""

    def __init__(self, handler: Callable[..., Any]) -> None:
        self._handler = handler
        self._lock = threading.Lock()
        self._local = threading.local()
        self.profiles: list[cProfile.Profile] = []
        self.profiling = False
        self.cpu = 0.0
        self.calls = 0

    def __call__(self, servicer: object, request: object, context: object) -> Any:
        """Run the real handler, timed (and profiled when `profiling`)."""
        profile = self._profile() if self.profiling else None
        t0 = time.thread_time()
        try:
            if profile is None:
                return self._handler(servicer, request, context)
            return profile.runcall(self._handler, servicer, request, context)
        finally:
            spent = time.thread_time() - t0
            with self._lock:
                self.cpu += spent
                self.calls += 1

    def _profile(self) -> cProfile.Profile:
        profile: cProfile.Profile | None = getattr(self._local, "profile", None)
        if profile is None:
            profile = self._local.profile = cProfile.Profile(time.thread_time)
            with self._lock:
                self.profiles.append(profile)
        return profile

    def reset(self) -> None:
        """Start counting afresh."""
        with self._lock:
            self.cpu, self.calls = 0.0, 0


def _run_clients(address: str, identity: Path, batches: list[Path]) -> float:
    ctx = mp.get_context("spawn")
    with ProcessPoolExecutor(max_workers=len(batches), mp_context=ctx) as pool:
        t0 = time.perf_counter()
        results = list(pool.map(_submit_worker, [(address, identity, b) for b in batches]))
        elapsed = time.perf_counter() - t0
    errors = [e for _, errs in results for e in errs]
    if errors:
        print(f"{len(errors)} refused; first: {errors[0]}")
    return elapsed


def main() -> int:
    """Profile the submit path and print where the time goes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=2000, help="per pass")
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--out", type=Path, help="also write the merged profile here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="cfx-profile-") as tmp_name:
        tmp = Path(tmp_name)
        node_dir, identity, batches = _submit.prepare(tmp, 2 * args.submissions, 2 * args.clients)
        meter = HandlerMeter(ExchangeServicer.SubmitDataset)

        def measured(servicer: object, request: object, context: object) -> Any:
            return meter(servicer, request, context)  # a function, so it binds as a method

        ExchangeServicer.SubmitDataset = measured  # type: ignore[method-assign, assignment]
        node = open_node(node_dir)
        running = start(node, listen="127.0.0.1:0")
        address = f"127.0.0.1:{running.port}"
        try:
            elapsed = _run_clients(address, identity, batches[: args.clients])
            print(
                f"unprofiled: {meter.calls} submissions in {elapsed:.1f} s "
                f"({meter.calls / elapsed:.0f}/s); handler CPU "
                f"{1000 * meter.cpu / max(meter.calls, 1):.2f} ms per submission"
            )
            meter.reset()
            meter.profiling = True
            _run_clients(address, identity, batches[args.clients :])
        finally:
            running.stop(1.0)
            node.close()

    stats = pstats.Stats(*meter.profiles) if meter.profiles else None
    if stats is None:
        return 1
    print(
        f"\nprofiled: {meter.calls} submissions, handler CPU "
        f"{1000 * meter.cpu / max(meter.calls, 1):.2f} ms per submission (with cProfile's cost)"
    )
    if args.out:
        stats.dump_stats(args.out)
    stats.strip_dirs().sort_stats("cumulative").print_stats(args.top)
    stats.sort_stats("tottime").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
