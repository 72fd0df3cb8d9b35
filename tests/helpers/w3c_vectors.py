"""The W3C Data Integrity test vectors (vc-di-eddsa, vc-di-ecdsa) as typed records.

Provenance: tests/vectors/PROVENANCE-vc-di.md. ALUMNI are the vectors whose contexts are pinned;
EMPLOY need https://w3id.org/citizenship/v4rc1, for which tests/data/signing/citizenship/ holds a
context reconstructed from the vectors' N-Quads (EMPLOY_MANIFESTS pins it on top of the rest).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from signing.keys import KeyType
from tests.helpers.paths import VECTORS
from tests.helpers.signing_data import DATA, MANIFESTS

EMPLOY_MANIFESTS = (*MANIFESTS, DATA / "citizenship" / "manifest.json")


@dataclass(frozen=True)
class Vector:
    folder: Path
    suffix: str  # file-name suffix, e.g. "DataInt", "JCSECDSAP256"
    suite: str
    key_type: KeyType
    key_file: Path
    unsigned: Path

    def text(self, stem: str) -> str:
        return (self.folder / f"{stem}{self.suffix}.txt").read_text()

    def json(self, stem: str) -> Any:
        return json.loads((self.folder / f"{stem}{self.suffix}.json").read_text())

    @property
    def name(self) -> str:
        return f"{self.folder.parent.name}/{self.folder.name}"


EDDSA = VECTORS / "vc-di-eddsa/TestVectors"
ECDSA = VECTORS / "vc-di-ecdsa/TestVectors"
ALUMNI = [
    Vector(EDDSA / "eddsa-rdfc-2022", "DataInt", "eddsa-rdfc-2022", "ed25519",
           EDDSA / "keyPair.json", EDDSA / "unsigned.json"),
    Vector(EDDSA / "eddsa-jcs-2022", "JCS", "eddsa-jcs-2022", "ed25519",
           EDDSA / "keyPair.json", EDDSA / "unsigned.json"),
    Vector(ECDSA / "ecdsa-rdfc-2019-p256", "ECDSAP256", "ecdsa-rdfc-2019", "p256",
           ECDSA / "p256KeyPair.json", ECDSA / "unsigned.json"),
    Vector(ECDSA / "ecdsa-rdfc-2019-p384", "ECDSAP384", "ecdsa-rdfc-2019", "p384",
           ECDSA / "p384KeyPair.json", ECDSA / "unsigned.json"),
    Vector(ECDSA / "ecdsa-jcs-2019-p256", "JCSECDSAP256", "ecdsa-jcs-2019", "p256",
           ECDSA / "p256KeyPair.json", ECDSA / "unsigned.json"),
]  # fmt: skip
EMPLOY = [
    Vector(EDDSA / "eddsa-rdfc-2022/employ", "DataInt", "eddsa-rdfc-2022", "ed25519",
           EDDSA / "keyPair.json", EDDSA / "employmentAuth.json"),
    Vector(ECDSA / "ecdsa-rdfc-2019-p256/employ", "ECDSAP256", "ecdsa-rdfc-2019", "p256",
           ECDSA / "p256KeyPair.json", ECDSA / "employmentAuth.json"),
    Vector(ECDSA / "ecdsa-rdfc-2019-p384/employ", "ECDSAP384", "ecdsa-rdfc-2019", "p384",
           ECDSA / "p384KeyPair.json", ECDSA / "employmentAuth.json"),
]  # fmt: skip


def secret_key(vector: Vector) -> str:
    """The vector's private key, multibase-encoded, whichever name its key file gives it."""
    pair = json.loads(vector.key_file.read_text())
    secret: str = pair.get("secretKeyMultibase") or pair["privateKeyMultibase"]
    return secret
