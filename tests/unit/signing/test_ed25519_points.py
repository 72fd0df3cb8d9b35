"""Small-order and non-canonical Ed25519 public keys are refused (signing.ed25519_points)."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from signing.ed25519_points import decode_point, is_weak_public_key
from signing.errors import WeakKeyError
from signing.keys import PublicKey, generate_key, public_key_from_multibase
from signing.multibase import encode_multibase, encode_varint
from tests.helpers.paths import VECTORS

#: The eight points of order 1, 2, 4 and 8 (libsodium's blocklist, canonical encodings).
SMALL_ORDER = [
    "0100000000000000000000000000000000000000000000000000000000000000",  # identity
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # order 2
    "0000000000000000000000000000000000000000000000000000000000000000",  # order 4
    "0000000000000000000000000000000000000000000000000000000000000080",  # order 4
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",  # order 8
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",  # order 8
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",  # order 8
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",  # order 8
]
BASE_POINT = "5866666666666666666666666666666666666666666666666666666666666666"
BASE_X = 15112221349535400772501151409588531511454012693041857206046113283949847762202


def test_decoding_gives_the_rfc_8032_base_point() -> None:
    prime = 2**255 - 19
    base_y = 4 * pow(5, -1, prime) % prime  # RFC 8032 §5.1: B = (x, 4/5)
    assert decode_point(bytes.fromhex(BASE_POINT)) == (BASE_X, base_y)
    assert not is_weak_public_key(bytes.fromhex(BASE_POINT))


@pytest.mark.parametrize("encoded", SMALL_ORDER)
def test_small_order_points_are_weak_and_refused_as_multikey(encoded: str) -> None:
    raw = bytes.fromhex(encoded)
    assert decode_point(raw) is not None  # on the curve: only the order makes them weak
    assert is_weak_public_key(raw)
    with pytest.raises(WeakKeyError):
        public_key_from_multibase(encode_multibase(encode_varint(0xED) + raw))


def test_identity_key_really_verifies_any_message_without_the_check() -> None:
    # Why the check exists: the library itself accepts this forgery.
    identity = bytes.fromhex(SMALL_ORDER[0])
    lax = PublicKey("ed25519", ed25519.Ed25519PublicKey.from_public_bytes(identity))
    signature = identity + bytes(32)
    assert lax.verify(signature, b"one message")
    assert lax.verify(signature, b"any other message")


def test_non_canonical_y_is_refused() -> None:
    # y = p encodes the same point as y = 0; a second spelling of one key is refused.
    assert is_weak_public_key(bytes.fromhex("ed" + "ff" * 30 + "7f"))
    assert decode_point(bytes(31)) is None  # wrong length


def test_real_keys_are_not_weak() -> None:
    pair = json.loads((VECTORS / "vc-di-eddsa/TestVectors/keyPair.json").read_text())
    assert public_key_from_multibase(pair["publicKeyMultibase"]).key_type == "ed25519"
    for _ in range(50):
        assert not is_weak_public_key(generate_key("ed25519").public_key.raw_bytes())
