"""Keys: Multikey against the W3C key pairs, did:key resolution, key-file permissions."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from signing.errors import (
    DidKeyError,
    KeyFileError,
    KeyFilePermissionError,
    MultikeyError,
    UnsupportedKeyTypeError,
)
from signing.keys import (
    KEY_TYPES,
    PrivateKey,
    Signer,
    generate_key,
    load_key,
    private_key_from_multibase,
    public_key_from_multibase,
    resolve_did_key,
    save_key,
)
from signing.multibase import b58decode, b58encode
from tests.helpers.paths import VECTORS

KEY_PAIRS = {
    "ed25519": VECTORS / "vc-di-eddsa/TestVectors/keyPair.json",
    "p256": VECTORS / "vc-di-ecdsa/TestVectors/p256KeyPair.json",
    "p384": VECTORS / "vc-di-ecdsa/TestVectors/p384KeyPair.json",
}


def _pair(key_type: str) -> dict[str, str]:
    data: dict[str, str] = json.loads(KEY_PAIRS[key_type].read_text())
    return data


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_w3c_secret_key_derives_the_published_public_key(key_type: str) -> None:
    pair = _pair(key_type)
    secret = pair.get("secretKeyMultibase", pair.get("privateKeyMultibase"))
    assert secret is not None
    key = private_key_from_multibase(secret)
    assert key.key_type == key_type
    assert key.public_key.multibase == pair["publicKeyMultibase"]
    assert key.secret_multibase() == secret
    assert key.did == "did:key:" + pair["publicKeyMultibase"]
    assert key.verification_method == f"{key.did}#{pair['publicKeyMultibase']}"


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_generated_key_signs_and_did_key_resolves_offline(key_type: str) -> None:
    key = generate_key(key_type)
    assert isinstance(key, Signer)
    signature = key.sign(b"hash data")
    resolved = resolve_did_key(key.verification_method)
    assert resolved == key.public_key
    assert resolve_did_key(key.did) == key.public_key
    assert resolved.verify(signature, b"hash data")
    assert not resolved.verify(signature, b"other data")
    assert not resolved.verify(signature[:-1], b"hash data")


@pytest.mark.parametrize("key_type", ["p256", "p384"])
def test_ecdsa_signatures_are_deterministic_raw_r_s(key_type: str) -> None:
    key = generate_key(key_type)
    first = key.sign(b"payload")
    assert first == key.sign(b"payload")
    assert len(first) == (64 if key_type == "p256" else 96)


def test_unknown_key_type_is_refused() -> None:
    with pytest.raises(UnsupportedKeyTypeError) as info:
        generate_key("rsa")
    assert info.value.reason == "KEY_TYPE_UNSUPPORTED"


def test_public_multikey_with_foreign_multicodec_header_is_refused() -> None:
    # secp256k1-pub (0xe7) is a valid multicodec but not a supported key type.
    with pytest.raises(MultikeyError):
        public_key_from_multibase("zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme")


def test_did_key_fragment_must_name_the_same_key() -> None:
    one, other = generate_key("ed25519"), generate_key("ed25519")
    with pytest.raises(DidKeyError) as info:
        resolve_did_key(f"{one.did}#{other.public_key.multibase}")
    assert info.value.reason == "DID_KEY_INVALID"
    with pytest.raises(DidKeyError):
        resolve_did_key("did:web:example.org#key-1")
    with pytest.raises(DidKeyError):
        resolve_did_key("did:key:z0OIl")  # not base58btc


def test_base58btc_keeps_leading_zero_bytes() -> None:
    for data in (b"", b"\0", b"\0\0\x01", bytes(range(40))):
        assert b58decode(b58encode(data)) == data


def test_saved_key_file_has_mode_0600_and_loads_back(tmp_path: Path) -> None:
    key = generate_key("p384")
    path = tmp_path / "issuer.key"
    old_umask = os.umask(0)  # the most permissive umask must not leak into the file mode
    try:
        save_key(key, path)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = load_key(path)
    assert loaded.public_key == key.public_key
    assert [p.name for p in tmp_path.iterdir()] == ["issuer.key"]  # no temp file left behind


def test_save_key_refuses_to_overwrite_an_existing_key(tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    save_key(generate_key("ed25519"), path)
    with pytest.raises(KeyFileError):
        save_key(generate_key("ed25519"), path)
    save_key(generate_key("ed25519"), path, overwrite=True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660, 0o644, 0o620, 0o602, 0o610, 0o601])
def test_group_or_world_accessible_key_file_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "k.json"
    save_key(generate_key("ed25519"), path)
    path.chmod(mode)
    with pytest.raises(KeyFilePermissionError) as info:
        load_key(path)
    assert info.value.reason == "KEY_FILE_PERMISSIONS"


def test_key_file_with_mismatched_public_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    save_key(generate_key("ed25519"), path)
    data = json.loads(path.read_text())
    data["publicKeyMultibase"] = generate_key("ed25519").public_key.multibase
    path.write_text(json.dumps(data))
    path.chmod(0o600)
    with pytest.raises(KeyFileError):
        load_key(path)


def test_key_repr_hides_secret_material() -> None:
    key = generate_key("ed25519")
    assert key.secret_multibase() not in repr(key)
    assert isinstance(key, PrivateKey)


def test_symlinked_key_file_is_refused(tmp_path: Path) -> None:
    # O_NOFOLLOW: a link planted where the key file should be is not followed.
    save_key(generate_key("ed25519"), tmp_path / "real.json")
    (tmp_path / "link.json").symlink_to(tmp_path / "real.json")
    with pytest.raises(KeyFileError):
        load_key(tmp_path / "link.json")


def test_ed25519_signature_with_non_canonical_s_is_rejected() -> None:
    # RFC 8032 §5.1.7: S must be < L. S + L verifies the same equation on lax implementations,
    # which would make Ed25519 proofs malleable (vc-di-eddsa "Security Properties of Ed25519").
    key = generate_key("ed25519")
    signature = key.sign(b"hash data")
    order = 2**252 + 27742317777372353535851937790883648493
    s_value = int.from_bytes(signature[32:], "little")
    forged = signature[:32] + (s_value + order).to_bytes(32, "little")
    assert key.public_key.verify(signature, b"hash data")
    assert not key.public_key.verify(forged, b"hash data")


def test_ecdsa_high_s_twin_verifies_so_signatures_are_never_identifiers() -> None:
    # signing.md R8: (r, n - s) is as valid as (r, s); the W3C P-256 vector itself has a high s,
    # so verification must accept both, and nothing in cfx may key on proofValue bytes.
    key = generate_key("p256")
    signature = key.sign(b"hash data")
    order = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    r_bytes, s_value = signature[:32], int.from_bytes(signature[32:], "big")
    twin = r_bytes + (order - s_value).to_bytes(32, "big")
    assert twin != signature
    assert key.public_key.verify(twin, b"hash data")
