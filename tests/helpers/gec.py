"""GEC claims for tests: fresh certificate serials, so tests that submit an example footprint
many times to one node do not trip the GEC ledger (issue 14), and ranges chosen on purpose."""

from __future__ import annotations

import itertools
from typing import Any

from gateway.demo.documents import gec_claims, moved_serials

__all__ = ["fresh_serials", "gec_claims"]

# Every footprint a test process loads gets its own block of serials.
_BLOCKS = itertools.count(1)


def fresh_serials(document: dict[str, Any]) -> dict[str, Any]:
    """`document` with serials no other footprint of this test process claims."""
    return moved_serials(document, next(_BLOCKS)) if gec_claims(document) else document
