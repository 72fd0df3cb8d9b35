"""verify_many: the process pool gives the same results, in order, as verify() in process."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from signing.batch import verify_many
from signing.keys import PrivateKey
from signing.loader import PinnedLoader
from signing.proofs import sign
from signing.verify import verify

from .conftest import MANIFESTS, footprint_credential

T0 = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def test_verify_many_matches_verify_in_order(issuer_key: PrivateKey, loader: PinnedLoader) -> None:
    good = sign(footprint_credential(issuer_key.did), issuer_key, created=T0, loader=loader)
    changed = sign(footprint_credential(issuer_key.did), issuer_key, created=T0, loader=loader)
    changed["credentialSubject"]["productName"] = "changed"
    unusable = {**good, "@context": ["https://evil.example/ctx"]}
    batch = [good, changed, unusable, json.dumps(good).encode(), b'{"a": 1, "a": 2}']
    now = T0 + timedelta(hours=1)

    results = verify_many(batch, processes=2, manifests=MANIFESTS, now=now)

    assert [r.verified for r in results] == [True, False, False, True, False]
    assert [r.reason for r in results] == [
        None, "SIGNATURE_INVALID", "CONTEXT_NOT_ALLOWED", None, "DUPLICATE_KEY",
    ]  # fmt: skip
    assert results[0] == verify(good, loader=loader, now=now)
