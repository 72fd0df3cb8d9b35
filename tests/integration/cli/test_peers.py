"""`cfx clients add --role node` and `cfx peers add|list|remove` through the real `cfx` console
script: two nodes, a node identity issued by one to the other, the signed and versioned
peers.json, and the files an attacker could put back or edit."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway.log.checkpoint import NoteKey
from gateway.node import NodePaths, load_node_key
from gateway.process import spawn_server

pytestmark = pytest.mark.slow  # some fifty runs of the console script

CFX = Path(sys.executable).parent / "cfx"  # the console script pip installed next to python


def cfx(*args: str | Path, cwd: Path, code: int = 0) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(CFX), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == code, result.stderr + result.stdout
    if code == 2:  # unusable input: one line on stderr saying why, nothing on stdout
        assert result.stderr.count("\n") == 1, result.stderr
        assert result.stderr.startswith("cfx: error: "), result.stderr
    return result


@dataclass(frozen=True)
class Provincial:
    """Node A (Sichuan, provincial): served once so that it has an address and a log.vkey."""

    root: Path
    address: str
    identity_for_national: Path  # the node identity A issued to B

    @property
    def log_key(self) -> Path:
        return self.root / "a" / "log.vkey"


@pytest.fixture(scope="module")
def provincial(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provincial]:
    root = tmp_path_factory.mktemp("federation")
    cfx("init", "--dir", "a", "--role", "provincial", "--org", "sichuan-db", cwd=root)
    issued = cfx(
        "clients", "add", "--dir", "a", "--org", "mee", "--role", "node",
        "--node-role", "national", "--out", "national-at-a", cwd=root,
    )  # fmt: skip
    assert "spiffe://cfx/org/mee/node" in issued.stdout
    server = spawn_server(root / "a")
    try:
        yield Provincial(root, server.address, root / "national-at-a")
    finally:
        server.process.terminate()
        server.process.wait(timeout=30)


@pytest.fixture
def national(provincial: Provincial, tmp_path: Path) -> Path:
    """Node B (national), fresh for each test; returns its directory."""
    cfx("init", "--dir", tmp_path / "b", "--role", "national", "--org", "mee", cwd=tmp_path)
    return tmp_path / "b"


def add_sichuan(provincial: Provincial, node: Path, *extra: str, code: int = 0):
    return cfx(
        "peers", "add", "--dir", node, "--name", "sichuan", "--address", provincial.address,
        "--identity", provincial.identity_for_national, "--log-key", provincial.log_key,
        *extra, cwd=node.parent, code=code,
    )  # fmt: skip


def peers_version(node: Path) -> int:
    listed = cfx("peers", "list", "--dir", node, "--json", cwd=node.parent)
    version: int = json.loads(listed.stdout)["version"]
    return version


def test_node_identity_is_registered_with_the_peers_node_role(provincial: Provincial):
    listed = cfx("trust", "list", "--dir", "a", "--json", cwd=provincial.root)
    orgs = {o["name"]: o for o in json.loads(listed.stdout)["organizations"]}
    assert orgs["mee"]["roles"] == ["node"]
    assert orgs["mee"]["identities"][0]["san"] == "spiffe://cfx/org/mee/node"
    assert orgs["mee"]["identities"][0]["nodeRole"] == "national"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--role", "node"], "--role node needs --node-role"),
        (["--role", "exporter", "--node-role", "national"], "--node-role is only for --role node"),
    ],
)
def test_node_role_goes_with_role_node_only(
    provincial: Provincial, tmp_path: Path, options: list[str], message: str
):
    before = (provincial.root / "a" / "trust.json").read_bytes()
    refused = cfx(
        "clients", "add", "--dir", provincial.root / "a", "--org", "acme", *options,
        "--out", tmp_path / "acme", cwd=tmp_path, code=2,
    )  # fmt: skip
    assert message in refused.stderr
    assert (provincial.root / "a" / "trust.json").read_bytes() == before
    assert not (tmp_path / "acme").exists()


def test_peer_is_added_listed_and_removed(provincial: Provincial, national: Path):
    added = add_sichuan(provincial, national, "--pull", "ProductFootprint,EmissionFactor",
                        "--delegate")  # fmt: skip
    assert "sichuan-db (provincial)" in added.stdout
    assert "peers version 1" in added.stdout

    table = cfx("peers", "list", "--dir", national, cwd=national.parent).stdout.splitlines()
    assert table[0] == "peers version 1"
    assert table[1].split() == [
        "NAME",
        "ADDRESS",
        "ORG",
        "ROLE",
        "DELEGATE",
        "PULL",
        "LOG",
        "ORIGIN",
        "COSIGNED",
        "STATE",
    ]
    assert table[2].split() == [
        "sichuan", provincial.address, "sichuan-db", "provincial", "yes",
        "EmissionFactor,ProductFootprint", "cfx.sichuan-db.provincial/log", "-", "ok",
    ]  # fmt: skip

    listed = json.loads(
        cfx("peers", "list", "--dir", national, "--json", cwd=national.parent).stdout
    )
    assert listed["version"] == 1
    (peer,) = listed["peers"]
    assert peer["name"] == "sichuan"
    assert peer["address"] == provincial.address
    assert peer["org"] == "sichuan-db"
    assert peer["nodeRole"] == "provincial"
    assert peer["pull"] == ["EmissionFactor", "ProductFootprint"]
    assert peer["delegate"] is True
    assert peer["logOrigin"] == "cfx.sichuan-db.provincial/log"
    assert peer["quarantine"] is None
    assert peer["logKey"] == provincial.log_key.read_text().strip()
    assert Path(peer["identity"]) == provincial.identity_for_national.resolve()

    removed = cfx("peers", "remove", "--dir", national, "--name", "sichuan", cwd=national.parent)
    assert "peers version 2" in removed.stdout
    after = cfx("peers", "list", "--dir", national, cwd=national.parent).stdout
    assert "no peers" in after


def test_peer_pulls_every_kind_by_default_and_identity_inside_the_node_stays_relative(
    provincial: Provincial, national: Path
):
    inside = national / "peers" / "sichuan"
    shutil.copytree(provincial.identity_for_national, inside)
    cfx(
        "peers", "add", "--dir", national, "--name", "sichuan", "--address", provincial.address,
        "--identity", inside, "--log-key", provincial.log_key, cwd=national.parent,
    )  # fmt: skip
    (peer,) = json.loads(
        cfx("peers", "list", "--dir", national, "--json", cwd=national.parent).stdout
    )["peers"]
    assert peer["identity"] == "peers/sichuan"
    assert peer["pull"] == [
        "AccountingRule", "Attestation", "EmissionFactor", "ProductFootprint", "StatusUpdate",
    ]  # fmt: skip
    assert peer["delegate"] is False
    table = cfx("peers", "list", "--dir", national, cwd=national.parent).stdout
    assert " all " in table


def test_unusable_peer_input_is_refused_in_one_line_and_changes_nothing(
    provincial: Provincial, national: Path
):
    add_sichuan(provincial, national)
    admin = provincial.root / "a" / "clients" / "admin"
    defaults: dict[str, str | Path] = {
        "--address": provincial.address,
        "--identity": provincial.identity_for_national,
        "--log-key": provincial.log_key,
    }
    cases: list[tuple[list[str | Path], str]] = [
        (["--name", "again"], "same log origin"),
        (["--name", "sichuan", "--address", "127.0.0.1:1"], "remove it first"),
        (["--name", "s2", "--identity", admin], "not a node identity"),
        (["--name", "s2", "--identity", national.parent / "none"], "no such directory"),
        (["--name", "s2", "--log-key", national / "config.json"], "is not a log key"),
        (["--name", "s2", "--pull", "ProductFootprint,Gossip"], "unknown dataset kind 'Gossip'"),
        (["--name", "s2", "--pull", ","], "--pull names no dataset kind"),
        (["--name", "s2", "--org", "other"], "--org other contradicts"),
        (["--name", "s2", "--node-role", "registry"], "--node-role registry contradicts"),
        (["--name", "Bad_Name"], "peer name"),
        (["--name", "s2", "--address", "127.0.0.1"], "is not HOST:PORT"),
    ]
    for options, message in cases:
        pairs = {str(key): value for key, value in zip(options[::2], options[1::2], strict=True)}
        argv = [item for key, value in (defaults | pairs).items() for item in (key, value)]
        refused = cfx("peers", "add", "--dir", national, *argv, cwd=national.parent, code=2)
        assert message in refused.stderr, (options, refused.stderr)
    assert peers_version(national) == 1


def test_own_log_key_is_refused_as_a_peer(provincial: Provincial, tmp_path: Path):
    """A node that lists itself as a peer would pull its own entries back in."""
    root = provincial.root
    refused = cfx(
        "peers", "add", "--dir", "a", "--name", "me", "--address", provincial.address,
        "--identity", provincial.identity_for_national, "--log-key", provincial.log_key,
        cwd=root, code=2,
    )  # fmt: skip
    assert "this node's own log key" in refused.stderr


def test_custom_log_origin_needs_org_and_node_role(provincial: Provincial, national: Path):
    # A real verifier key under a custom origin: B's own node key, named "example.org/log".
    private = load_node_key(NodePaths(national)).crypto_key
    assert isinstance(private, Ed25519PrivateKey)
    key = private.public_key()
    custom = national.parent / "custom.vkey"
    custom.write_text(NoteKey("example.org/log", key).to_vkey() + "\n")
    common: list[str | Path] = [
        "peers", "add", "--dir", national, "--name", "custom", "--address", "127.0.0.1:9",
        "--identity", provincial.identity_for_national, "--log-key", custom,
    ]  # fmt: skip
    refused = cfx(*common, cwd=national.parent, code=2)
    assert "give --org and --node-role" in refused.stderr
    cfx(*common, "--org", "eu-reg", "--node-role", "registry", cwd=national.parent)
    (peer,) = json.loads(
        cfx("peers", "list", "--dir", national, "--json", cwd=national.parent).stdout
    )["peers"]
    assert (peer["org"], peer["nodeRole"], peer["logOrigin"]) == (
        "eu-reg",
        "registry",
        "example.org/log",
    )


def test_rolled_back_peers_file_is_refused(provincial: Provincial, national: Path):
    add_sichuan(provincial, national)
    old = (national / "peers.json").read_bytes()  # version 1, validly signed
    cfx("peers", "remove", "--dir", national, "--name", "sichuan", cwd=national.parent)
    (national / "peers.json").write_bytes(old)  # the old file put back
    for argv in (["list"], ["list", "--json"], ["remove", "--name", "sichuan"]):
        refused = cfx("peers", *argv[:1], "--dir", national, *argv[1:], cwd=national.parent,
                      code=2)  # fmt: skip
        assert "version 1 is older than version 2" in refused.stderr
    refused = add_sichuan(provincial, national, code=2)
    assert "older than version 2" in refused.stderr
    # Deleting the file is a rollback to version 0, not a fresh start.
    (national / "peers.json").unlink()
    refused = cfx("peers", "list", "--dir", national, cwd=national.parent, code=2)
    assert "version 0 is older than version 2" in refused.stderr


def test_tampered_peers_file_is_refused(provincial: Provincial, national: Path):
    add_sichuan(provincial, national, "--pull", "EmissionFactor")
    path = national / "peers.json"
    document = json.loads(path.read_text())
    document["signed"]["peers"][0]["pull"] = ["EmissionFactor", "ProductFootprint"]
    path.write_text(json.dumps(document))
    runs: list[list[str | Path]] = [
        ["list", "--dir", national],
        ["remove", "--dir", national, "--name", "sichuan"],
    ]
    for argv in runs:
        refused = cfx("peers", *argv, cwd=national.parent, code=2)
        assert "peers file signature does not verify" in refused.stderr
    # A peers file signed by another node's key is not this node's.
    other = provincial.root / "a" / "peers.json"
    document["signed"]["peers"][0]["pull"] = ["EmissionFactor"]
    other.write_text(json.dumps(document))
    try:
        refused = cfx("peers", "list", "--dir", "a", cwd=provincial.root, code=2)
        assert "not signed by the node key" in refused.stderr
    finally:
        other.unlink()
