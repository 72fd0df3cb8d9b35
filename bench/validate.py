"""Validation throughput for a product footprint credential: cfx's compiled validators vs raw
`jsonschema` (the baseline), both measured in this run.

Run: .venv/bin/python bench/validate.py
Document: schemas/examples/valid/product-footprint-power-battery-with-gec.json (the largest
example: GB/T block, electricity block with 2 GEC claims, accounting rule, proof). Rows:

- schemas.validate (full): envelope + footprint schema, semantic checks, the cited accounting
  rule, i.e. what the gateway runs at intake. Target: >= 5,000/s in one process.
- schemas.validate + profile power-battery: the same plus the GB/T 24067 and product profile.
- schemas.validate, invalid: the same document with five defects (a decimal sent as a number, a
  31-digit GEC id, a biogenic sum off, an unknown field, a reversed reference period): the
  error path, which an intake under attack or a careless exporter exercises.
- compiled schemas only: the two compiled JSON Schema checks alone.
- jsonschema, cached validators: Draft202012Validator.iter_errors with validators built once
  (what a careful caller of the library gets) for the same two schemas.
- jsonschema, uncached: a validator built per call (what `jsonschema.validate()` does).

Median of 7 timed rounds of at least 0.3 s each, after a warm-up; single thread. Time is this
process's CPU time (time.process_time), so other processes sharing the machine do not distort the
figures; on an idle core wall-clock rates are the same within noise.
"""

from __future__ import annotations

import json
import runpy
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jsonschema import Draft202012Validator  # noqa: E402

import schemas  # noqa: E402
from schemas import compiled, resources  # noqa: E402
from tests.helpers.schemas_data import BATTERY, five_defects, load  # noqa: E402

record = runpy.run_path(str(Path(__file__).with_name("results.py")))["record"]

DOCUMENT = load(BATTERY)
SUBJECT = DOCUMENT["credentialSubject"]
INVALID = five_defects()
FOOTPRINT_SCHEMA = resources.KIND_SCHEMAS["ProductFootprint"]
TARGET_PER_S = 5_000


def rate(operation: Callable[[], object], rounds: int = 7, min_seconds: float = 0.3) -> float:
    operation()
    results = []
    for _ in range(rounds):
        count, start = 0, time.process_time()
        while (elapsed := time.process_time() - start) < min_seconds:
            for _ in range(20):
                operation()
            count += 20
        results.append(count / elapsed)
    return statistics.median(results)


def main() -> int:
    cached_credential = resources.validator(resources.CREDENTIAL_SCHEMA)
    cached_footprint = resources.validator(FOOTPRINT_SCHEMA)
    registry = resources.schema_registry()
    checker = resources.format_checker()

    def jsonschema_cached() -> None:
        list(cached_credential.iter_errors(DOCUMENT))
        list(cached_footprint.iter_errors(SUBJECT))

    def jsonschema_uncached() -> None:
        for name, instance in (
            (resources.CREDENTIAL_SCHEMA, DOCUMENT),
            (FOOTPRINT_SCHEMA, SUBJECT),
        ):
            validator = Draft202012Validator(
                resources.load_schema(name), registry=registry, format_checker=checker
            )
            list(validator.iter_errors(instance))

    def compiled_only() -> None:
        compiled.violations(resources.CREDENTIAL_SCHEMA, DOCUMENT, "")
        compiled.violations(FOOTPRINT_SCHEMA, SUBJECT, "/credentialSubject")

    assert schemas.validate(DOCUMENT) == []
    assert schemas.validate(DOCUMENT, profile="power-battery") == []
    invalid_count = len(schemas.validate(INVALID))
    assert invalid_count >= 5
    rows = [
        ("schemas.validate (full)", rate(lambda: schemas.validate(DOCUMENT))),
        (
            "schemas.validate + profile power-battery",
            rate(lambda: schemas.validate(DOCUMENT, profile="power-battery")),
        ),
        (
            f"schemas.validate, invalid ({invalid_count} violations)",
            rate(lambda: schemas.validate(INVALID)),
        ),
        ("compiled schemas only", rate(compiled_only)),
        ("jsonschema, cached validators (baseline)", rate(jsonschema_cached)),
        ("jsonschema, uncached", rate(jsonschema_uncached, rounds=3)),
    ]
    baseline = next(value for name, value in rows if "(baseline)" in name)
    print(f"validations/s, product footprint credential ({len(json.dumps(DOCUMENT))} bytes)")
    print(f"{'path':<44} {'per s':>10} {'us each':>9} {'vs baseline':>12}")
    for name, per_second in rows:
        ratio = per_second / baseline
        print(f"{name:<44} {per_second:>10,.0f} {1e6 / per_second:>9.1f} {ratio:>11.1f}x")
    full = rows[0][1]
    verdict = "meets" if full >= TARGET_PER_S else "MISSES"
    record("validate", "schemas.validate (full)", full, "/s", target=TARGET_PER_S)
    record("validate", "jsonschema, cached (baseline)", baseline, "/s")
    print(f"target >= {TARGET_PER_S:,}/s for the full validation: {verdict} ({full:,.0f}/s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
