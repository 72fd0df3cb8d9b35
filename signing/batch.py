"""Batch verification over a process pool: processes use both cores (threads share one GIL) and
can be killed on overrun. (Threads are safe too: signing.rdf keeps pyld's caches per thread.)

Workers start with "forkserver", not "fork": the gateway process runs gRPC threads, and forking a
threaded process can deadlock the child. Each worker builds its own `PinnedLoader` from the same
manifests (re-checking the hashes) once, at start-up, and ends itself once the process that
started the pool is gone: workers hold their own job queue's ends and the forkserver's liveness
pipe, so a parent killed with SIGKILL would otherwise leave them (and the stdio they inherited)
behind. Only the parent holds the write end of an "owner" pipe; a worker seeing its end close
leaves.
Other pure work that needs the pinned contexts (the gateway's full credential checks) runs on the
same workers through `VerifierPool.submit`, with `worker_loader()`.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

from schemas import strict_json
from schemas.paths import CONTEXTS_MANIFEST
from signing.errors import SigningError
from signing.loader import PinnedLoader
from signing.verification import VerificationResult, verify

_WORKER_LOADER: PinnedLoader | None = None

Job = TypeVar("Job")
Result = TypeVar("Result")


def _init_worker(manifests: tuple[Path, ...], owner: Connection) -> None:
    global _WORKER_LOADER  # noqa: PLW0603 - one loader per worker process, by design
    _WORKER_LOADER = PinnedLoader(manifests)
    threading.Thread(target=_end_with_owner, args=(owner,), daemon=True).start()


def _end_with_owner(owner: Connection) -> None:
    """Leave when the pool's owner is gone: nothing is ever sent, so this waits for the end of
    file its death (or `VerifierPool.close`) makes."""
    with contextlib.suppress(EOFError, OSError):
        owner.recv_bytes()
    os._exit(0)


def worker_loader() -> PinnedLoader:
    """The pinned-context loader of this pool worker (for functions run through `submit`)."""
    if _WORKER_LOADER is None:
        raise RuntimeError("worker_loader() is only available inside a VerifierPool worker")
    return _WORKER_LOADER


def _verify_in_worker(job: tuple[Any, dict[str, Any]]) -> VerificationResult:
    credential, options = job
    return verify_or_result(credential, loader=_WORKER_LOADER, **options)


def verify_or_result(credential: Any, **options: Any) -> VerificationResult:
    """`verify`, with unusable input turned into a failed result (reason = the error's).

    `credential` may be the received bytes (or text): they are parsed here with the strict JSON
    parser, so a pool is handed cheap-to-pickle bytes and parses in the worker.
    """
    try:
        if isinstance(credential, bytes | str):
            credential = strict_json.loads_object(credential)
        return verify(credential, **options)
    except (SigningError, strict_json.JSONInputError) as exc:
        return VerificationResult(verified=False, issuer=None, reason=exc.reason, message=str(exc))


class VerifierPool:
    """A long-lived pool of verifier processes; use as a context manager."""

    def __init__(
        self,
        processes: int | None = None,
        *,
        manifests: Sequence[str | Path] = (CONTEXTS_MANIFEST,),
        start_method: str = "forkserver",
    ) -> None:
        resolved = tuple(Path(m).resolve() for m in manifests)
        # Kept open here (the read end too: workers started later get a copy of it).
        self._owner_read, self._owner_alive = multiprocessing.Pipe(duplex=False)
        self._executor = ProcessPoolExecutor(
            max_workers=processes,
            mp_context=multiprocessing.get_context(start_method),
            initializer=_init_worker,
            initargs=(resolved, self._owner_read),
        )

    def verify_many(
        self, credentials: Iterable[Any], *, chunksize: int = 8, **options: Any
    ) -> list[VerificationResult]:
        """One result per credential (a dict, or its JSON bytes), in order. Options are those of
        `verify` (picklable ones: module-level key_resolver/issuer_binding functions, no
        closures); unusable input gives a failed result with the error's reason."""
        jobs = ((credential, options) for credential in credentials)
        return list(self._executor.map(_verify_in_worker, jobs, chunksize=chunksize))

    def submit(self, fn: Callable[[Job], Result], job: Job) -> Future[Result]:
        """Run `fn(job)` on a worker: a module-level, pure function of picklable values, which
        may use `worker_loader()`."""
        return self._executor.submit(fn, job)

    def close(self) -> None:
        """Wait for running verifications, cancel queued ones, stop the workers."""
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._owner_alive.close()
        self._owner_read.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def verify_many(
    credentials: Iterable[Any],
    *,
    processes: int | None = None,
    manifests: Sequence[str | Path] = (CONTEXTS_MANIFEST,),
    **options: Any,
) -> list[VerificationResult]:
    """Verify many credentials on a temporary pool of `processes` workers (default: CPU count)."""
    with VerifierPool(processes, manifests=manifests) as pool:
        return pool.verify_many(credentials, **options)
