"""A sync page's checks on worker processes decide exactly what the syncing thread decides,
credential by credential, in the order they were added."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from gateway.checker import CheckedCredential, CredentialChecker, ParsedCredential
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


def _mixed_batch() -> tuple[list[bytes], TrustRegistry]:
    """Good, tampered, untrusted-key, schema-invalid, rule-breaking, unparsable and
    published-rule credentials, interleaved so that every chunk mixes them."""
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
    ]
    batch = [signed_bytes(_fresh(), trusted) if raw == good else raw for raw in kinds * 6]
    return batch, registry


def _checks(processes: int, rules_asked: list[str]) -> PageChecks:
    def rules_for(parsed: ParsedCredential) -> Mapping[str, Any] | None:
        rules_asked.append(parsed.credential_id)
        return None

    limits = Limits(sync_check_processes=processes, sync_pool_min_datasets=2)
    return PageChecks(CredentialChecker(loader=default_loader(), limits=limits), rules_for, limits)


def _run(checks: PageChecks, batch: list[bytes], registry: TrustRegistry, now: datetime) -> Any:
    pages = checks.batch(registry, now, expected=len(batch))
    for raw in batch:
        pages.add(raw)
    return pages.pooled, list(pages.outcomes())


def _reasons(outcomes: list[Outcome]) -> list[str]:
    return ["ACCEPTED" if isinstance(o, CheckedCredential) else o.reason for o in outcomes]


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="the pool needs two cores")
def test_pooled_checks_decide_exactly_as_the_syncing_thread_in_the_same_order() -> None:
    batch, registry = _mixed_batch()
    now = datetime.now(UTC)
    asked_serial: list[str] = []
    asked_pooled: list[str] = []
    serial_pooled, serial = _run(_checks(1, asked_serial), batch, registry, now)
    pooled_pooled, pooled = _run(_checks(2, asked_pooled), batch, registry, now)
    assert (serial_pooled, pooled_pooled) == (False, True)
    assert pooled == serial  # same checked credentials, same refusals with the same messages
    reasons = _reasons(serial)
    assert reasons[:7] == [
        "ACCEPTED",
        "SIGNATURE_INVALID",
        "KEY_NOT_TRUSTED",
        "SCHEMA_VIOLATION",
        "RULE_VIOLATION",
        "MALFORMED_JSON",
        "RULE_VIOLATION",  # cites a rule this node has not published
    ]
    assert reasons == reasons[:7] * 6
    accepted = [o for o in pooled if isinstance(o, CheckedCredential)]
    assert [o.raw for o in accepted] == batch[::7]  # each outcome is its own credential's
    # A worker cannot read the node's published rules: those came back to the syncing thread.
    assert (len(asked_serial), len(asked_pooled)) == (6 * 6, 6 * 6)  # factor ids come back too
    assert all(isinstance(o, Refused) for o in pooled[6::7])


def test_a_small_page_is_checked_in_the_syncing_thread() -> None:
    batch, registry = _mixed_batch()
    checks = _checks(2, [])
    pages = checks.batch(registry, datetime.now(UTC), expected=1)
    pages.add(batch[0])
    assert not pages.pooled
    assert _reasons(list(pages.outcomes())) == ["ACCEPTED"]
