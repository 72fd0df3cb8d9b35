"""A sync page's checks on worker processes decide exactly what the syncing thread decides,
credential by credential, in the order they were added."""

from __future__ import annotations

import functools
import json
import os
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from gateway.catalog import factors_cited_by
from gateway.checker import CheckedCredential, CredentialChecker, ParsedCredential
from gateway.errors import FieldViolation
from gateway.federation.check_pool import Outcome, PageChecks, Refused
from gateway.limits import Limits
from gateway.trust import Role
from gateway.trust.model import TrustRegistry
from signing.keys import generate_key
from signing.loader import default_loader
from tests.helpers.nodes import EXPORTER, example, signed_bytes

BATTERY = "valid/product-footprint-power-battery-with-gec.json"
RULE_BROKEN = "invalid/footprint-gec-certificate-id-31-digits.json"
PUBLISHED_RULE = "urn:cfx:rule:published-here-only"
CITED_FACTOR = "urn:uuid:5c1d2e9a-7b3f-4c6d-9e8f-0a1b2c3d4e5f"  # the battery's grid factor
OTHER_VALUE_FACTOR = "urn:uuid:0d6c5a6e-4f7b-4a8e-9d2c-1b3a5e7f9c01"
UNKNOWN_FACTOR = "urn:uuid:7e0f1b2c-3d4e-4f5a-8b6c-9d0e1f2a3b4c"
ESCAPED_FACTOR = "urn:uuid:2a4c6e80-1b3d-4f5a-9c7e-8d6b4a2c0e13"  # cited under an escaped key
# What the node holds: the battery's factor at the value it states, another at another value.
HELD = {
    CITED_FACTOR: Decimal("0.1866"),
    OTHER_VALUE_FACTOR: Decimal("0.5"),
    ESCAPED_FACTOR: Decimal("0.1866"),
}
KINDS = 10


def _fresh(relative: str = BATTERY, **subject: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(json.dumps(example(relative)))
    document["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
    document["credentialSubject"].update(subject)
    document.pop("id", None)
    return document


def _schema_invalid() -> dict[str, Any]:
    document = _fresh()
    del document["credentialSubject"]["companyName"]
    return document


def _citing(factor_id: str) -> dict[str, Any]:
    document = _fresh()
    document["credentialSubject"]["electricity"]["gridFactor"]["factorId"] = factor_id
    return document


def _mixed_batch() -> tuple[list[bytes], TrustRegistry]:
    """Good, tampered, untrusted-key, schema-invalid, rule-breaking, unparsable, published-rule
    credentials and ones citing a factor held with another value, an unknown factor, and the
    held factor under a key the byte scan cannot see (an escape JSON allows, the same
    document, so its signature holds), interleaved so that every chunk mixes them."""
    now = datetime.now(UTC)
    trusted, stranger = generate_key("ed25519"), generate_key("ed25519")
    registry = TrustRegistry().with_key(EXPORTER, Role.EXPORTER, trusted.did, now)
    good = signed_bytes(_fresh(), trusted)
    tampered = good.replace(b'"urn:uuid:', b'"urn:uuid:0', 1)
    assert tampered != good
    kinds = [
        good,
        tampered,
        signed_bytes(_fresh(), stranger),
        signed_bytes(_schema_invalid(), trusted),
        signed_bytes(_fresh(RULE_BROKEN), trusted),
        b'{"not": "a credential"',
        signed_bytes(_fresh(accountingRuleId=PUBLISHED_RULE), trusted),
        signed_bytes(_citing(OTHER_VALUE_FACTOR), trusted),
        signed_bytes(_citing(UNKNOWN_FACTOR), trusted),
        signed_bytes(_citing(ESCAPED_FACTOR), trusted).replace(b'"factorId"', b'"factor\\u0049d"'),
    ]
    assert b"factor\\u0049d" in kinds[-1]
    batch = [signed_bytes(_fresh(), trusted) if raw == good else raw for raw in kinds * 6]
    return batch, registry


def _checks(processes: int, rules_asked: list[str], resolved: list[str]) -> PageChecks:
    """The node's checks, its factors `HELD`; `rules_asked` lists the credentials checked in
    the syncing thread, `resolved` the factor ids looked up for the workers."""

    def rules_for(parsed: ParsedCredential) -> Mapping[str, Any] | None:
        rules_asked.append(parsed.credential_id)
        return None

    def held_factor(factor_id: str) -> Decimal | None:
        resolved.append(factor_id)
        return HELD.get(factor_id)

    limits = Limits(sync_check_processes=processes, sync_pool_min_datasets=2)
    return PageChecks(
        CredentialChecker(loader=default_loader(), limits=limits),
        rules_for,
        limits,
        functools.partial(factors_cited_by, held_factor=HELD.get),
        held_factor=held_factor,
    )


def _run(checks: PageChecks, batch: list[bytes], registry: TrustRegistry, now: datetime) -> Any:
    pages = checks.batch(registry, now, expected=len(batch))
    for raw in batch:
        pages.add(raw)
    return pages.pooled, list(pages.outcomes())


def _message(outcome: Outcome) -> str:
    assert isinstance(outcome, Refused)
    return outcome.message


def _warnings(outcome: Outcome) -> list[FieldViolation]:
    assert isinstance(outcome, CheckedCredential)
    return list(outcome.warnings)


def _reasons(outcomes: list[Outcome]) -> list[str]:
    return ["ACCEPTED" if isinstance(o, CheckedCredential) else o.reason for o in outcomes]


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="the pool needs two cores")
def test_pooled_checks_decide_exactly_as_the_syncing_thread_in_the_same_order() -> None:
    batch, registry = _mixed_batch()
    now = datetime.now(UTC)
    asked_serial: list[str] = []
    asked_pooled: list[str] = []
    resolved: list[str] = []
    serial_pooled, serial = _run(_checks(1, asked_serial, []), batch, registry, now)
    pooled_pooled, pooled = _run(_checks(2, asked_pooled, resolved), batch, registry, now)
    assert (serial_pooled, pooled_pooled) == (False, True)
    assert pooled == serial  # same checked credentials, same refusals with the same messages
    reasons = _reasons(serial)
    assert reasons[:KINDS] == [
        "ACCEPTED",
        "SIGNATURE_INVALID",
        "KEY_NOT_TRUSTED",
        "SCHEMA_VIOLATION",
        "RULE_VIOLATION",
        "MALFORMED_JSON",
        "RULE_VIOLATION",  # cites a rule this node has not published
        "RULE_VIOLATION",  # FACTOR_VALUE_MISMATCH: the held factor has another value
        "ACCEPTED",  # UNKNOWN_FACTOR is a warning
        "ACCEPTED",
    ]
    assert reasons == reasons[:KINDS] * 6
    assert f"factor {OTHER_VALUE_FACTOR} is 0.5" in _message(serial[7])
    assert [v.reason for v in _warnings(serial[8])] == ["UNKNOWN_FACTOR"]
    assert _warnings(serial[9]) == _warnings(serial[0]) == []
    accepted = [o.raw for o in pooled if isinstance(o, CheckedCredential)]
    assert accepted == [raw for i, raw in enumerate(batch) if i % KINDS in {0, 8, 9}]
    # A worker cannot read the node's published rules: those came back to the syncing thread,
    # with the held factor cited under the key the scan missed; every other factor-citing
    # credential was checked by a worker against the page's snapshot, resolved once per id.
    assert (len(asked_serial), len(asked_pooled)) == (6 * (KINDS - 1), 6 * 2)
    assert sorted(resolved) == sorted({CITED_FACTOR, OTHER_VALUE_FACTOR, UNKNOWN_FACTOR})
    assert all(isinstance(o, Refused) for o in pooled[6::KINDS])


def test_a_small_page_is_checked_in_the_syncing_thread() -> None:
    batch, registry = _mixed_batch()
    checks = _checks(2, [], [])
    pages = checks.batch(registry, datetime.now(UTC), expected=1)
    pages.add(batch[0])
    assert not pages.pooled
    assert _reasons(list(pages.outcomes())) == ["ACCEPTED"]
