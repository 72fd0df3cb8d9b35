"""verify_many: the process pool gives the same results, in order, as verify() in process."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from signing.batch import VerifierPool, verify_many
from signing.keys import PrivateKey
from signing.loader import PinnedLoader
from signing.proofs import sign
from signing.verification import verify
from tests.helpers.signing_data import MANIFESTS, footprint_credential

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


def test_pool_survives_a_poisoned_credential_and_is_reused(
    issuer_key: PrivateKey, loader: PinnedLoader
) -> None:
    good = sign(footprint_credential(issuer_key.did), issuer_key, created=T0, loader=loader)
    labels = [f"_:n{i}" for i in range(10)]  # W3C test074's clique, as JSON-LD
    poisoned = {
        **good,
        "credentialSubject": [
            {"id": label, "link": [x for x in labels if x != label]} for label in labels
        ],
    }
    now = T0 + timedelta(hours=1)
    with VerifierPool(2, manifests=MANIFESTS) as pool:
        first = pool.verify_many([poisoned, good], now=now)
        assert [r.reason for r in first] == ["CANONICALIZATION_LIMIT_EXCEEDED", None]
        second = pool.verify_many([good] * 8, now=now, chunksize=2)
        assert all(r.verified for r in second)
