"""The `Signer` interface (K2): an HSM/KMS-style signer that is not a local `PrivateKey` plugs
into `sign()`; a signer that returns a signature its verification method cannot verify (DER
ECDSA from a cloud KMS, the wrong key, a misstated key type) is refused with SignerError, so cfx
never emits a proof that does not verify."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from signing.errors import SignerError
from signing.keys import KeyType, PublicKey, Signer, generate_key
from signing.loader import PinnedLoader
from signing.proofs import sign
from signing.verification import verify
from tests.helpers.signing_data import footprint_credential

T0 = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


class KmsStyleSigner:
    """Holds only a `cryptography` key object, as a KMS client would hold a key handle: no
    PrivateKey, no Multikey secret. `der=True` returns ECDSA the way cloud KMS APIs do."""

    def __init__(self, *, der: bool = False, claimed_type: KeyType = "p256") -> None:
        self._key = ec.generate_private_key(ec.SECP256R1())
        self._der = der
        self._claimed_type: KeyType = claimed_type
        self.public_key = PublicKey("p256", self._key.public_key())

    @property
    def verification_method(self) -> str:
        return self.public_key.verification_method

    @property
    def key_type(self) -> KeyType:
        return self._claimed_type

    def sign(self, data: bytes) -> bytes:
        der = self._key.sign(data, ec.ECDSA(hashes.SHA256()))
        if self._der:
            return der
        r, s = decode_dss_signature(der)
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def test_kms_style_signer_plugs_in_and_its_proof_verifies(loader: PinnedLoader) -> None:
    kms = KmsStyleSigner()
    assert isinstance(kms, Signer)
    signed = sign(
        footprint_credential(kms.public_key.did), kms, suite="ecdsa-rdfc-2019", created=T0,
        loader=loader,
    )  # fmt: skip
    result = verify(signed, loader=loader, now=T0 + timedelta(minutes=1))
    assert result.verified, result
    assert result.proofs[0].controller == kms.public_key.did


def test_kms_returning_der_ecdsa_is_refused_before_a_proof_is_made(loader: PinnedLoader) -> None:
    kms = KmsStyleSigner(der=True)
    with pytest.raises(SignerError) as info:
        sign(footprint_credential(kms.public_key.did), kms, suite="ecdsa-rdfc-2019", loader=loader)
    assert info.value.reason == "SIGNER_FAILED"
    assert "does not verify" in str(info.value)


def test_signer_wired_to_another_key_is_refused(loader: PinnedLoader) -> None:
    class Misrouted:
        """Claims one did:key but signs with another key (a misconfigured HSM slot)."""

        def __init__(self) -> None:
            self._claimed, self._actual = generate_key("ed25519"), generate_key("ed25519")
            self.verification_method = self._claimed.verification_method
            self.key_type: KeyType = "ed25519"
            self.did = self._claimed.did

        def sign(self, data: bytes) -> bytes:
            return self._actual.sign(data)

    signer = Misrouted()
    with pytest.raises(SignerError):
        sign(footprint_credential(signer.did), signer, loader=loader)


def test_signer_misstating_its_key_type_is_refused(loader: PinnedLoader) -> None:
    # A P-256 key presented as Ed25519 would yield an eddsa proof no verifier accepts.
    kms = KmsStyleSigner(claimed_type="ed25519")
    with pytest.raises(SignerError) as info:
        sign(footprint_credential(kms.public_key.did), kms, suite="eddsa-rdfc-2022", loader=loader)
    assert "p256" in str(info.value)
