"""`cfx keys generate`, `cfx sign`, `cfx verify` end to end through gateway.cli.main."""

from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path
from typing import Any

import pytest

from gateway.cli import main
from tests.helpers.paths import VECTORS
from tests.helpers.signing_data import FOOTPRINT_CONTEXT, FOOTPRINT_MANIFEST, TEST_MANIFEST

EXTRA = ["--context-manifest", str(TEST_MANIFEST), "--context-manifest", str(FOOTPRINT_MANIFEST)]
# The datasets here use test contexts the schemas do not know: signing is what is under test.
SIGN_EXTRA = [*EXTRA, "--no-validate"]


def _generate(tmp_path: Path, capsys: pytest.CaptureFixture[str], key_type: str, name: str) -> str:
    keyfile = tmp_path / name
    assert main(["keys", "generate", "--type", key_type, "--out", str(keyfile)]) == 0
    did = capsys.readouterr().out.strip()
    assert did.startswith("did:key:z")
    assert stat.S_IMODE(keyfile.stat().st_mode) == 0o600
    return did


def _dataset() -> dict[str, Any]:
    return {
        "@context": [FOOTPRINT_CONTEXT],
        "type": "ProductFootprint",
        "productName": "PV module 550W",
        "pcf": {"pcfExcludingBiogenic": "412.5", "declaredUnit": "piece"},
    }


def _verify(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = main(["verify", "--json", *EXTRA, str(path)])
    return code, json.loads(capsys.readouterr().out)


def test_keys_generate_prints_the_did_and_refuses_to_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    did = _generate(tmp_path, capsys, "p384", "k.json")
    assert did.startswith("did:key:z82")  # p384-pub multicodec 0x1201
    assert main(["keys", "generate", "--type", "p384", "--out", str(tmp_path / "k.json")]) == 2
    assert main(["keys", "show", str(tmp_path / "k.json")]) == 0
    assert did in capsys.readouterr().out


def test_bare_dataset_is_wrapped_signed_and_verified(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    did = _generate(tmp_path, capsys, "ed25519", "issuer.key")
    (tmp_path / "dataset.json").write_text(json.dumps(_dataset()))
    signed_path = tmp_path / "signed.json"
    argv = [
        "sign",
        "--key",
        str(tmp_path / "issuer.key"),
        *SIGN_EXTRA,
        str(tmp_path / "dataset.json"),
    ]
    assert main([*argv, "-o", str(signed_path)]) == 0
    signed = json.loads(signed_path.read_text())
    assert signed["issuer"] == did
    assert signed["credentialSubject"]["productName"] == "PV module 550W"
    assert signed["proof"]["id"].startswith("urn:uuid:")

    code, result = _verify(signed_path, capsys)
    assert code == 0
    assert result["verified"] is True
    assert result["proofs"][0]["controller"] == did


def test_certifier_chains_with_another_suite_and_tampering_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _generate(tmp_path, capsys, "ed25519", "issuer.key")
    certifier = _generate(tmp_path, capsys, "p256", "certifier.key")
    (tmp_path / "dataset.json").write_text(json.dumps(_dataset()))
    issued, endorsed = tmp_path / "issued.json", tmp_path / "endorsed.json"
    assert main(["sign", "--key", str(tmp_path / "issuer.key"), *SIGN_EXTRA,
                 str(tmp_path / "dataset.json"), "-o", str(issued)]) == 0  # fmt: skip
    # Without --chain a certifier's proof would not be by the issuer: refused up front.
    assert main(["sign", "--key", str(tmp_path / "certifier.key"), *SIGN_EXTRA, str(issued)]) == 2
    capsys.readouterr()
    assert main(["sign", "--key", str(tmp_path / "certifier.key"), "--suite", "ecdsa-rdfc-2019",
                 "--chain", *SIGN_EXTRA, str(issued), "-o", str(endorsed)]) == 0  # fmt: skip
    code, result = _verify(endorsed, capsys)
    assert code == 0
    assert [p["controller"] for p in result["proofs"]][1] == certifier

    document = json.loads(endorsed.read_text())
    document["credentialSubject"]["pcf"]["pcfExcludingBiogenic"] = "41.25"
    endorsed.write_text(json.dumps(document))
    code, result = _verify(endorsed, capsys)
    assert code == 1
    assert result["reason"] == "SIGNATURE_INVALID"
    assert main(["verify", *EXTRA, str(endorsed)]) == 1
    assert "not verified: SIGNATURE_INVALID" in capsys.readouterr().out


def test_w3c_vector_verifies_through_the_cli_except_issuer_binding(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The vector's issuer is an https URL, not the signing did:key: cfx reports that binding.
    path = VECTORS / "vc-di-eddsa/TestVectors/eddsa-rdfc-2022/signedDataInt.json"
    code, result = _verify(path, capsys)
    assert code == 1
    assert result["reason"] == "PROOF_NOT_BY_ISSUER"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('{"a": 1, "a": 2}', "DUPLICATE_KEY"),
        ("[1, 2]", "NOT_AN_OBJECT"),
        ('{"@context": ["https://evil.example/v1"], "proof": {}}', "CONTEXT_NOT_ALLOWED"),
    ],
)
def test_unusable_input_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, reason: str
) -> None:
    path = tmp_path / "in.json"
    path.write_text(content)
    code, result = _verify(path, capsys)
    assert code == 2
    assert result["error"]["reason"] == reason
    assert main(["verify", str(path)]) == 2
    assert "cfx: error:" in capsys.readouterr().err


def test_missing_input_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(tmp_path / "absent.json")]) == 2
    assert "cannot read" in capsys.readouterr().err


def _sign_cli(tmp_path: Path, key: str, source: Path, out: Path, *extra: str) -> int:
    return main(
        ["sign", "--key", str(tmp_path / key), *extra, *SIGN_EXTRA, str(source), "-o", str(out)]
    )


def test_signing_an_already_signed_credential_adds_a_proof_to_the_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    did = _generate(tmp_path, capsys, "ed25519", "issuer.key")
    (tmp_path / "dataset.json").write_text(json.dumps(_dataset()))
    once, twice = tmp_path / "once.json", tmp_path / "twice.json"
    assert _sign_cli(tmp_path, "issuer.key", tmp_path / "dataset.json", once) == 0
    assert _sign_cli(tmp_path, "issuer.key", once, twice, "--suite", "eddsa-jcs-2022") == 0
    signed = json.loads(twice.read_text())
    first, second = signed["proof"]
    assert first == json.loads(once.read_text())["proof"]  # the first proof is kept as it was
    assert second["cryptosuite"] == "eddsa-jcs-2022"
    assert "previousProof" not in second
    assert signed["credentialSubject"] == json.loads(once.read_text())["credentialSubject"]
    code, result = _verify(twice, capsys)
    assert code == 0
    assert [p["controller"] for p in result["proofs"]] == [did, did]


def test_chain_flag_references_the_last_proof(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _generate(tmp_path, capsys, "ed25519", "issuer.key")
    _generate(tmp_path, capsys, "p384", "certifier.key")
    (tmp_path / "dataset.json").write_text(json.dumps(_dataset()))
    issued, endorsed = tmp_path / "issued.json", tmp_path / "endorsed.json"
    assert _sign_cli(tmp_path, "issuer.key", tmp_path / "dataset.json", issued) == 0
    assert _sign_cli(tmp_path, "certifier.key", issued, endorsed, "--chain",
                     "--suite", "ecdsa-rdfc-2019") == 0  # fmt: skip
    issuer_proof, certifier_proof = json.loads(endorsed.read_text())["proof"]
    assert certifier_proof["previousProof"] == issuer_proof["id"]
    assert _verify(endorsed, capsys)[0] == 0


def test_chain_without_an_existing_proof_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _generate(tmp_path, capsys, "ed25519", "issuer.key")
    (tmp_path / "dataset.json").write_text(json.dumps(_dataset()))
    out = tmp_path / "out.json"
    assert _sign_cli(tmp_path, "issuer.key", tmp_path / "dataset.json", out, "--chain") == 2
    assert "--chain needs an existing proof" in capsys.readouterr().err
    assert not out.exists()


def test_sign_refuses_a_group_readable_key_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _generate(tmp_path, capsys, "ed25519", "issuer.key")
    (tmp_path / "issuer.key").chmod(0o640)
    (tmp_path / "dataset.json").write_text(json.dumps(_dataset()))
    out = tmp_path / "out.json"
    assert _sign_cli(tmp_path, "issuer.key", tmp_path / "dataset.json", out) == 2
    assert "cfx: error:" in capsys.readouterr().err
    assert not out.exists()


def test_wrong_challenge_exits_1_with_its_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _generate(tmp_path, capsys, "ed25519", "issuer.key")
    (tmp_path / "dataset.json").write_text(json.dumps(_dataset()))
    signed = tmp_path / "signed.json"
    assert _sign_cli(tmp_path, "issuer.key", tmp_path / "dataset.json", signed) == 0
    code = main(["verify", "--json", "--expected-challenge", "nonce-7", *EXTRA, str(signed)])
    assert code == 1
    assert json.loads(capsys.readouterr().out)["reason"] == "INVALID_CHALLENGE"


def test_poison_graph_exits_2_with_the_limit_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _generate(tmp_path, capsys, "ed25519", "issuer.key")
    (tmp_path / "dataset.json").write_text(json.dumps(_dataset()))
    signed_path = tmp_path / "signed.json"
    assert _sign_cli(tmp_path, "issuer.key", tmp_path / "dataset.json", signed_path) == 0
    signed = json.loads(signed_path.read_text())
    labels = [f"_:n{i}" for i in range(10)]  # W3C test074's 10-node clique
    signed["credentialSubject"] = [
        {"id": label, "link": [x for x in labels if x != label]} for label in labels
    ]
    signed_path.write_text(json.dumps(signed))
    code, result = _verify(signed_path, capsys)
    assert code == 2
    assert result["error"]["reason"] == "CANONICALIZATION_LIMIT_EXCEEDED"


def test_context_file_differing_from_its_pin_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = (FOOTPRINT_MANIFEST.parent / "footprint-test-v1.jsonld").read_bytes()
    (tmp_path / "ctx.jsonld").write_bytes(source + b"\n")
    entry = {
        "url": "https://cfx.test/contexts/cli-hash-mismatch/v1",
        "file": "ctx.jsonld",
        "sha256": hashlib.sha256(source).hexdigest(),
    }
    (tmp_path / "manifest.json").write_text(json.dumps({"contexts": [entry]}))
    path = VECTORS / "vc-di-eddsa/TestVectors/eddsa-rdfc-2022/signedDataInt.json"
    argv = ["verify", "--json", "--context-manifest", str(tmp_path / "manifest.json"), str(path)]
    assert main(argv) == 2
    assert json.loads(capsys.readouterr().out)["error"]["reason"] == "CONTEXT_HASH_MISMATCH"


def test_sign_options_expires_domain_challenge_are_in_the_proof_and_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _generate(tmp_path, capsys, "ed25519", "issuer.key")
    (tmp_path / "dataset.json").write_text(json.dumps(_dataset()))
    signed = tmp_path / "signed.json"
    options = ["--expires", "2099-01-01T00:00:00+08:00", "--domain", "https://customs.example",
               "--challenge", "nonce-42"]  # fmt: skip
    assert _sign_cli(tmp_path, "issuer.key", tmp_path / "dataset.json", signed, *options) == 0
    proof = json.loads(signed.read_text())["proof"]
    assert proof["expires"] == "2098-12-31T16:00:00Z"
    assert (proof["domain"], proof["challenge"]) == ("https://customs.example", "nonce-42")
    expected = ["--expected-domain", "https://customs.example", "--expected-challenge", "nonce-42"]
    assert main(["verify", *expected, *EXTRA, str(signed)]) == 0
    wrong = ["--expected-domain", "https://registry.example"]
    assert main(["verify", "--json", *wrong, *EXTRA, str(signed)]) == 1
    assert '"INVALID_DOMAIN"' in capsys.readouterr().out


@pytest.mark.parametrize("expires", ["2099-01-01T00:00:00", "2000-01-01T00:00:00Z", "soon"])
def test_sign_refuses_a_naive_past_or_malformed_expiry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], expires: str
) -> None:
    _generate(tmp_path, capsys, "ed25519", "issuer.key")
    (tmp_path / "dataset.json").write_text(json.dumps(_dataset()))
    out, source = tmp_path / "out.json", tmp_path / "dataset.json"
    try:
        code = _sign_cli(tmp_path, "issuer.key", source, out, "--expires", expires)
    except SystemExit as exc:  # argparse usage error: naive or malformed date-time
        code = int(str(exc.code))
    assert code == 2
    assert not out.exists()
