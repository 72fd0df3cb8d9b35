"""The caller's identity, taken from the verified client certificate (requirement G2)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import grpc

from gateway.errors import unauthenticated


@dataclass(frozen=True)
class Caller:
    """The authenticated peer: every subject alternative name of its verified certificate."""

    sans: tuple[str, ...]


def caller_from(context: grpc.ServicerContext) -> Caller:
    auth = context.auth_context()
    # gRPC core fills these only after it verified the chain against our CA (mTLS).
    raw: list[bytes] = []
    for key in ("x509_uri", "x509_subject_alternative_name"):
        values: Iterable[bytes] | bytes = auth.get(key) or []
        raw.extend([values] if isinstance(values, bytes) else values)
    sans = tuple(dict.fromkeys(v.decode("utf-8", "replace") for v in raw))
    if not sans:
        raise unauthenticated()
    return Caller(sans)
