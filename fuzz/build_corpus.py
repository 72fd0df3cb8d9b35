"""Build the seed corpora fuzz/corpus/<target>/ from the repository's own files.

    python fuzz/build_corpus.py            # (re)build every seed set; keeps what fuzzing added

Seeds:
- parse_validate: every JSON file under schemas/examples/ (valid, invalid, external) and the
  signed fixtures below.
- verify: each valid example signed with every cryptosuite (fixed `created`), and the W3C
  vc-di-eddsa / vc-di-ecdsa signed test vectors from tests/vectors/ (W3C Software and Document
  License; the notice is tests/vectors/LICENSE-W3C.md, copied beside them).
- cli_readers: one seed per scenario of fuzz/target_cli_readers.py: the scenario byte, then a
  real file of that kind (key file, verifier key, receipt, checkpoint note, proof, trust.json,
  config.json, credential).

The cli_readers scenarios need files that belong together (a receipt for a credential under a
node's log key), so a real node is made once in fuzz/corpus/_fixtures/ (`cfx init` layout, an
exporter key, two accepted credentials). Nothing here is committed: fuzz/.gitignore.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gateway.app import open_node
from gateway.log.receipt import ConsistencyProof
from gateway.node import NodeRole, edit_trust, init_node
from gateway.trust import Role
from signing.keys import PrivateKey, generate_key, save_key
from signing.proofs import sign

FUZZ = Path(__file__).resolve().parent
REPO = FUZZ.parent
CORPUS = FUZZ / "corpus"
FIXTURES = CORPUS / "_fixtures"
EXAMPLES = REPO / "schemas" / "examples"
VECTORS = REPO / "tests" / "vectors"
EXPORTER = "sichuan-cells"
#: Signing time of the seeds; fuzz/target_verify.py verifies at this time plus one hour.
T0 = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
SUITES = {
    "eddsa-rdfc-2022": "ed25519",
    "eddsa-jcs-2022": "ed25519",
    "ecdsa-rdfc-2019": "p256",
    "ecdsa-jcs-2019": "p384",
}

# The scenario bytes of fuzz/target_cli_readers.py, by the fixture each one starts from.
CLI_SEEDS: dict[int, str] = {
    0: "credential.json",  # cfx verify IN
    1: "exporter.key.json",  # cfx sign --key KEY
    2: "exporter.key.json",  # cfx keys show KEY
    3: "receipt.json",  # cfx verify --receipt R
    4: "log.vkey",  # cfx verify --log-key K
    5: "log.vkey",  # cfx log verify --pubkey K
    6: "checkpoint.note",  # cfx log checkpoint --note N
    7: "consistency.json",  # cfx log verify --proof P (consistency)
    8: "trust.json",  # cfx trust list (NODE/trust.json)
    9: "config.json",  # cfx trust list (NODE/config.json)
    10: "credential.json",  # cfx validate FILE
    11: "log.vkey",  # cfx witness --peer-key K (read before any connection)
}


def _example_documents() -> list[dict[str, Any]]:
    return [
        json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((EXAMPLES / "valid").glob("*.json"))
    ]


def _as_issuer(document: dict[str, Any], key: PrivateKey) -> dict[str, Any]:
    unsigned = json.loads(json.dumps(document))
    unsigned.pop("proof", None)
    unsigned["issuer"] = key.did
    return unsigned


def _write(directory: Path, name: str, data: bytes) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(data)


def build_fixtures() -> Path:
    """A node with two accepted credentials, and the files a CLI user holds for them."""
    if FIXTURES.exists():
        shutil.rmtree(FIXTURES)
    FIXTURES.mkdir(parents=True)
    paths = init_node(FIXTURES / "node", role=NodeRole.NATIONAL, org="national", now=T0)
    key = generate_key("ed25519")
    edit_trust(paths, lambda r: r.with_key(EXPORTER, Role.EXPORTER, key.did, T0))
    save_key(key, FIXTURES / "exporter.key.json")
    node = open_node(paths.root)
    try:
        caller = node.trust.current().organization(EXPORTER)
        laptop = json.loads(
            (EXAMPLES / "valid" / "product-footprint-electronics-laptop.json").read_text("utf-8")
        )
        notes = []
        for index in range(2):
            laptop["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
            raw = json.dumps(sign(_as_issuer(laptop, key), key), indent=1).encode()
            accepted = node.intake.submit(raw, str(uuid.uuid4()), caller)
            notes.append(node.log.checkpoint())
            if index == 0:
                _write(FIXTURES, "credential.json", raw)
                _write(FIXTURES, "receipt.json", accepted.receipt.to_json())
        _write(FIXTURES, "unsigned.json", json.dumps(_as_issuer(laptop, key)).encode())
        (old_size, old_note), (size, note) = notes
        _write(FIXTURES, "old-checkpoint.note", old_note.encode())
        _write(FIXTURES, "checkpoint.note", note.encode())
        proof = node.store.consistency_proof(old_size, size)
        consistency = ConsistencyProof(old_size, size, tuple(proof)).to_dict()
        _write(FIXTURES, "consistency.json", json.dumps(consistency).encode())
    finally:
        node.close()
    shutil.copy(paths.root / "log.vkey", FIXTURES / "log.vkey")
    shutil.copy(paths.trust, FIXTURES / "trust.json")
    shutil.copy(paths.config, FIXTURES / "config.json")
    return FIXTURES


def build_parse_validate() -> None:
    out = CORPUS / "parse_validate"
    for path in sorted(EXAMPLES.rglob("*.json")):
        _write(out, f"example-{path.parent.name}-{path.name}", path.read_bytes())
    _write(out, "signed-credential.json", (FIXTURES / "credential.json").read_bytes())
    _write(out, "duplicate-key.json", b'{"issuer": "a", "issuer": "b"}')
    _write(out, "deep.json", b"[" * 40 + b"]" * 40)


def build_verify() -> None:
    out = CORPUS / "verify"
    keys = {key_type: generate_key(key_type) for key_type in set(SUITES.values())}
    for index, document in enumerate(_example_documents()):
        for suite, key_type in SUITES.items():
            key = keys[key_type]
            signed = sign(_as_issuer(document, key), key, suite=suite, created=T0)
            _write(out, f"example-{index}-{suite}.json", json.dumps(signed).encode())
    for path in sorted(VECTORS.glob("vc-di-*/TestVectors/**/signed*.json")):
        name = "w3c-" + "-".join(path.relative_to(VECTORS).parts[2:])
        _write(out, name, path.read_bytes())
    shutil.copy(VECTORS / "LICENSE-W3C.md", out / "LICENSE-W3C.md")


def build_cli_readers() -> None:
    out = CORPUS / "cli_readers"
    for scenario, fixture in CLI_SEEDS.items():
        _write(
            out,
            f"scenario-{scenario}-{fixture}",
            bytes([scenario]) + (FIXTURES / fixture).read_bytes(),
        )


def main() -> None:
    os.umask(0o077)
    build_fixtures()
    build_parse_validate()
    build_verify()
    build_cli_readers()
    for target in ("parse_validate", "verify", "cli_readers"):
        print(f"{target}: {len(list((CORPUS / target).iterdir()))} files")


if __name__ == "__main__":
    main()
