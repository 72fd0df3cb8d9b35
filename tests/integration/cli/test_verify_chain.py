"""`cfx get --with-receipts` then `cfx verify --chain` (issue 14): a footprint attested at the
provincial node, synced to national and the registry (real nodes, both stores), checked offline
as one chain issuer -> certifier -> the three nodes; a tampered bundle fails, bad input exits 2."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.app import log_vkey_path
from gateway.cli import main
from tests.helpers.attestation_travel import attest, register_certifier, submit_footprint
from tests.helpers.federation import RunningNode
from tests.helpers.federation_chain import Chain, make_chain, other_store_url

TO_REGISTRY = {"shareWith": ["national", "registry"]}


@pytest.fixture
def bundle(tmp_path: Path, store_url: str) -> Iterator[tuple[Chain, Path]]:
    """The chain after the attested footprint reached the registry, and the directory holding
    the registry's bundle plus the provincial receipt of the footprint."""
    with other_store_url(store_url, tmp_path) as second:
        built = make_chain(tmp_path, store_url, second)
        chain = next(built)
        key = register_certifier(chain)
        footprint = submit_footprint(chain, TO_REGISTRY)
        attest(chain, key, footprint.raw)
        chain.sync_national()
        chain.sync_registry()
        out = tmp_path / "bundle"
        assert main(["get", footprint.name, *_at(chain.registry), "--with-receipts", str(out)]) == 0
        receipt = out / "receipt-provincial.json"
        assert main(["get", footprint.name, *_at(chain.provincial), "--receipt", str(receipt)]) == 0
        yield chain, out
        for _ in built:
            pass


def _at(node: RunningNode) -> list[str]:
    return ["--server", node.address, "--client-cert", str(node.paths.client_dir())]


def _keys(chain: Chain) -> list[str]:
    nodes = (chain.provincial, chain.national, chain.registry)
    return [arg for n in nodes for arg in ("--log-key", str(log_vkey_path(n.paths)))]


def _verify(chain: Chain, directory: Path, *extra: str) -> int:
    files = sorted(str(p) for p in directory.iterdir())
    return main(["verify", "--chain", *files, *_keys(chain), *extra])


def test_cfx_verify_chain_verifies_issuer_certifier_and_three_nodes(
    bundle: tuple[Chain, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    chain, out = bundle
    names = sorted(p.name for p in out.iterdir())
    assert names.count("attestation-1.json") == 1
    assert "footprint.json" in names
    capsys.readouterr()
    assert _verify(chain, out, "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["verified"] is True
    roles = [link["link"] for link in report["links"]]
    assert roles[:2] == ["issuer", "certifier"]
    nodes = {link["who"] for link in report["links"] if link["link"] == "node"}
    origins = {
        n.node.log.identity.origin for n in (chain.provincial, chain.national, chain.registry)
    }
    assert nodes == origins
    assert _verify(chain, out) == 0
    table = capsys.readouterr().out
    assert "certifier" in table
    assert "chain verified" in table


def test_cfx_verify_chain_refuses_a_tampered_footprint(
    bundle: tuple[Chain, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    chain, out = bundle
    tampered = out.parent / "tampered"
    shutil.copytree(out, tampered)
    footprint = tampered / "footprint.json"
    document = json.loads(footprint.read_bytes())
    pcf = document["credentialSubject"]["pcf"]
    pcf["pcfExcludingBiogenicUptake"] = "0.01"
    footprint.write_bytes(json.dumps(document, indent=1).encode())
    capsys.readouterr()
    assert _verify(chain, tampered, "--json") == 1
    report = json.loads(capsys.readouterr().out)
    failed = {link["link"] for link in report["links"] if not link["ok"]}
    # The proof fails, the attestation binds to other bytes, no receipt is for these bytes.
    assert failed == {"issuer", "certifier", "node"}


def test_cfx_verify_chain_without_a_nodes_log_key_is_not_verified(
    bundle: tuple[Chain, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    chain, out = bundle
    files = sorted(str(p) for p in out.iterdir())
    keys = ["--log-key", str(log_vkey_path(chain.registry.paths))]
    capsys.readouterr()
    assert main(["verify", "--chain", *files, *keys]) == 1
    assert "no --log-key for this log" in capsys.readouterr().out


def test_cfx_verify_chain_unusable_input_exits_2(
    bundle: tuple[Chain, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chain, out = bundle
    junk = tmp_path / "junk.json"
    junk.write_text("[1, 2]")
    files = [str(out / "attestation-1.json"), str(junk)]
    assert main(["verify", "--chain", *files, *_keys(chain)]) == 2
    no_footprint = [str(out / "attestation-1.json"), str(out / "receipt-1.json")]
    assert main(["verify", "--chain", *no_footprint, *_keys(chain)]) == 2
    assert "exactly one footprint" in capsys.readouterr().err
