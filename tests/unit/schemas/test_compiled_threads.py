"""Compiled schemas under concurrency: the first validations after start run in many threads."""

from __future__ import annotations

import json
import threading
from typing import Any

import schemas
from schemas import compiled
from tests.helpers.schemas_data import valid_files


def test_threads_compiling_at_start_never_see_a_half_built_check(monkeypatch: Any) -> None:
    # As at a node's start: nothing compiled yet, and 16 submissions validate at once.
    monkeypatch.setattr(compiled, "_COMPILED", {})
    compiled._compiler.cache_clear()
    documents = [json.loads(path.read_text(encoding="utf-8")) for path in valid_files()]
    start = threading.Barrier(16)
    failures: list[BaseException] = []
    results: list[int] = []

    def validate_all() -> None:
        start.wait()
        try:
            results.append(sum(len(schemas.validate(d)) for d in documents))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=validate_all) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    assert results == [0] * 16  # every valid example stays valid, in every thread
