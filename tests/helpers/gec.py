"""GEC claims for tests: fresh certificate serials, so tests that submit an example footprint
many times to one node do not trip the GEC ledger (issue 14), and ranges chosen on purpose."""

from __future__ import annotations

import itertools
from typing import Any

from gateway.gec.claims import PROJECT_DIGITS

# Every footprint a test process loads gets its own block of serials: the 7-digit certificate
# sequence of the examples' ids is moved by a block of 10,000 per load (ranges stay <= 3,000).
_BLOCKS = itertools.count(1)
_BLOCK = 10_000
_DATE_DIGITS = 8  # the generation date leading the 15-digit suffix (federation.md §5.2)


def gec_claims(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The footprint's GEC claims (an empty list when it has none)."""
    electricity = document.get("credentialSubject", {}).get("electricity", {})
    claims = electricity.get("gecClaims", []) if isinstance(electricity, dict) else []
    return [claim for claim in claims if isinstance(claim, dict)]


def shift_serials(document: dict[str, Any], block: int) -> dict[str, Any]:
    """`document` (changed in place) with every claim's sequence moved to `block`: the same
    number of certificates, another run of serials."""
    for claim in gec_claims(document):
        for key in ("firstCertificateId", "lastCertificateId"):
            serial: str = claim[key]
            head = PROJECT_DIGITS + _DATE_DIGITS
            sequence = int(serial[head:]) % _BLOCK + block * _BLOCK
            claim[key] = f"{serial[:head]}{sequence:07d}"
    return document


def fresh_serials(document: dict[str, Any]) -> dict[str, Any]:
    """`document` with serials no other footprint of this test process claims."""
    return shift_serials(document, next(_BLOCKS) % 999 + 1) if gec_claims(document) else document
