"""Refuse Ed25519 public keys under which a signature can verify for *every* message.

A small-order public key A (8·A = identity; eight such points exist) lets the signature
R = identity, S = 0 satisfy [8][S]B = [8]R + [8][k]A for any message: OpenSSL (and so
`cryptography`) accepts it. A did:key holding such a key would make a credential whose content
anyone can change and still have it "verify". RFC 8032 §5.1.7 leaves the check to applications;
libsodium refuses these keys (`crypto_sign_verify_detached`). Non-canonical encodings (y >= p,
RFC 8032 §5.1.3 step 1) are refused too, so one key has one did:key.

Pure integer arithmetic on the twisted Edwards curve -x^2 + y^2 = 1 + d x^2 y^2 over GF(2^255 - 19)
(RFC 8032 §5.1); run once per key (did:key resolution is memoized).
"""

from __future__ import annotations

from typing import Final

_P: Final = 2**255 - 19
_D: Final = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1: Final = pow(2, (_P - 1) // 4, _P)

Point = tuple[int, int]
_IDENTITY: Final[Point] = (0, 1)


def _inverse(value: int) -> int:
    return pow(value, _P - 2, _P)


def decode_point(encoded: bytes) -> Point | None:
    """RFC 8032 §5.1.3 point decoding; None when the bytes are not a canonical curve point."""
    if len(encoded) != 32:
        return None
    number = int.from_bytes(encoded, "little")
    sign, y = number >> 255, number & ((1 << 255) - 1)
    if y >= _P:
        return None
    u, v = (y * y - 1) % _P, (_D * y * y + 1) % _P
    x = u * pow(v, 3, _P) * pow(u * pow(v, 7, _P), (_P - 5) // 8, _P) % _P
    check = v * x * x % _P
    if check == (-u) % _P:
        x = x * _SQRT_M1 % _P
    elif check != u:
        return None
    if x == 0 and sign:
        return None
    if x & 1 != sign:
        x = _P - x
    return x, y


def _double(point: Point) -> Point:
    # Complete twisted Edwards addition with a = -1 (d is a non-square: no exceptional cases).
    x, y = point
    t = _D * x * x * y * y % _P
    return (2 * x * y * _inverse(1 + t) % _P, (y * y + x * x) * _inverse(1 - t) % _P)


def is_weak_public_key(encoded: bytes) -> bool:
    """True for bytes that are not a canonical point, or a point of small order."""
    point = decode_point(encoded)
    if point is None:
        return True
    for _ in range(3):
        point = _double(point)
    return point == _IDENTITY
