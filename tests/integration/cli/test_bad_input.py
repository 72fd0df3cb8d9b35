"""A user's mistake never prints a traceback: the real `cfx` console script, one row per mistake.

Each row runs `.venv/bin/cfx` as a subprocess against a node made by `cfx init` and served by
`cfx serve`, and checks the exit code, a fragment of the one-line message that names the file or
option and the fix, and that nothing printed contains "Traceback".
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from _pytest.monkeypatch import MonkeyPatch
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

import gateway.cli.keys
from gateway.cli import EXIT_INTERNAL, main
from tests.helpers.paths import SCHEMA_EXAMPLES

CFX = Path(sys.executable).parent / "cfx"  # the console script pip installed next to python
FOOTPRINT = SCHEMA_EXAMPLES / "valid" / "product-footprint-power-battery-with-gec.json"
SAN = "spiffe://cfx/org/sichuan-db/registry_operator"


def cfx(*argv: str, cwd: Path, stdout: int = subprocess.PIPE) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CFX), *argv],
        cwd=cwd,
        stdout=stdout,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        timeout=120,
        check=False,
    )


def cfx_ok(*argv: str, cwd: Path) -> str:
    result = cfx(*argv, cwd=cwd)
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout


# -- certificates made here with `cryptography`, independently of gateway.pki -----------------


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _ca(cn: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key, now = _key(), datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(_name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _client(
    issuer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey],
    *,
    key: ec.EllipticCurvePrivateKey,
    valid: tuple[datetime, datetime],
) -> x509.Certificate:
    return (
        x509.CertificateBuilder()
        .subject_name(_name("sichuan-db registry_operator"))
        .issuer_name(issuer[0].subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid[0])
        .not_valid_after(valid[1])
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.UniformResourceIdentifier(SAN)]), critical=False
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(issuer[1], hashes.SHA256())
    )


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _write_identity(out: Path, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey, ca: bytes):
    out.mkdir(mode=0o700)
    (out / "cert.pem").write_bytes(_pem(cert))
    (out / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (out / "key.pem").chmod(0o600)
    (out / "ca.pem").write_bytes(ca)


def _tls_identities(root: Path, node: Path) -> None:
    """Client identity directories that the node refuses during the TLS handshake."""
    node_ca_pem = (node / "tls" / "ca.pem").read_bytes()
    ca_key = serialization.load_pem_private_key((node / "tls" / "ca.key").read_bytes(), None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    node_ca = (x509.load_pem_x509_certificate(node_ca_pem), ca_key)
    now = datetime.now(UTC)
    current = (now - timedelta(hours=1), now + timedelta(days=30))
    key = _key()
    expired = _client(node_ca, key=key, valid=(now - timedelta(days=400), now - timedelta(days=1)))
    _write_identity(root / "expired", expired, key, node_ca_pem)
    other = _ca("another CA")
    key = _key()
    _write_identity(root / "other-ca", _client(other, key=key, valid=current), key, node_ca_pem)
    _write_identity(
        root / "wrong-key", _client(node_ca, key=_key(), valid=current), _key(), node_ca_pem
    )
    # Consistent on its own (issued by its ca.pem), but for another node: the node's server
    # certificate does not chain to this ca.pem.
    key = _key()
    _write_identity(
        root / "other-node", _client(other, key=key, valid=current), key, _pem(other[0])
    )


# -- the world every row runs in -----------------------------------------------------------------


@dataclass(frozen=True)
class World:
    root: Path
    address: str
    dataset: str

    @property
    def vars(self) -> dict[str, str]:
        return {"address": self.address, "dataset": self.dataset, "root": str(self.root)}


@contextmanager
def _serving(root: Path) -> Iterator[str]:
    """`cfx serve` on a free loopback port; yields HOST:PORT; SIGTERM on exit."""
    process = subprocess.Popen(
        [str(CFX), "serve", "--dir", "node", "--listen", "127.0.0.1:0"],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    match = re.search(r"on (127\.0\.0\.1:\d+)$", line.strip())
    if match is None:
        process.kill()
        process.wait()
        pytest.fail(f"cfx serve did not start: {line!r}")
    try:
        yield match.group(1)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    if not CFX.is_file():
        pytest.fail(f"the console script {CFX} is missing: run `make` (pip install -e .)")
    root = tmp_path_factory.mktemp("cli-bad-input")
    cfx_ok("init", "--dir", "node", "--role", "provincial", "--org", "sichuan-db", cwd=root)
    cfx_ok(
        "clients", "add", "--dir", "node", "--org", "sichuan-cells", "--role", "exporter",
        "--out", "exporter", cwd=root,
    )  # fmt: skip
    did = cfx_ok("keys", "generate", "--out", "exporter.key", cwd=root).strip()
    cfx_ok(
        "trust", "add", "--dir", "node", "--org", "sichuan-cells", "--role", "exporter",
        "--did", did, cwd=root,
    )  # fmt: skip
    subject = json.loads(FOOTPRINT.read_text(encoding="utf-8"))["credentialSubject"]
    (root / "footprint.json").write_text(json.dumps(subject), encoding="utf-8")
    cfx_ok("sign", "--key", "exporter.key", "footprint.json", "-o", "signed.json", cwd=root)
    # Things a user gives by mistake.
    (root / "a-directory").mkdir()
    (root / "loop-a").symlink_to("loop-b")
    (root / "loop-b").symlink_to("loop-a")
    (root / "binary.bin").write_bytes(bytes(range(256)) * 4)
    (root / "no-key").mkdir()
    for filename in ("cert.pem", "ca.pem"):
        (root / "no-key" / filename).write_bytes((root / "exporter" / filename).read_bytes())
    (root / "bad-ca").mkdir()
    for filename in ("cert.pem", "key.pem"):
        (root / "bad-ca" / filename).write_bytes((root / "exporter" / filename).read_bytes())
    (root / "bad-ca" / "ca.pem").write_bytes(bytes(range(256)))
    _tls_identities(root, root / "node")

    with _serving(root) as address:
        remote = ("--server", address, "--client-cert", "exporter")
        out = cfx_ok("submit", *remote, "signed.json", cwd=root)
        name = re.search(r"accepted as (datasets/[0-9a-f-]{36})", out)
        assert name is not None, out
        fetched = ("-o", "got.json", "--receipt", "receipt.json")
        cfx_ok("get", *remote, name.group(1), *fetched, cwd=root)
    # Served again: the first server kept its signed checkpoint in the store as it stopped.
    with _serving(root) as address:
        yield World(root, address, name.group(1))


# -- the table -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    argv: str  # split on spaces after formatting with World.vars
    code: int
    message: str  # a fragment of stderr
    stdout: str = ""  # a fragment of stdout, when the command still did part of its work


R = "--server {address} --client-cert exporter"
A = "--server {address} --client-cert node/clients/admin"
NOT_A_KEY = "is not a regular file; give a key file written by `cfx keys generate`"

CASES: dict[str, Case] = {
    # cfx submit: a bad file is reported and skipped; the files after it are still sent.
    "submit_missing_file": Case(
        f"submit {R} missing.json signed.json", 2,
        "cfx: error: cannot read missing.json: no such file or directory; not sent",
        "signed.json: accepted as datasets/",
    ),
    "submit_directory": Case(
        f"submit {R} a-directory signed.json", 2,
        "cannot read a-directory: is a directory, not a file; not sent", "accepted as",
    ),
    "submit_symlink_loop": Case(
        f"submit {R} loop-a signed.json", 2,
        "cannot read loop-a: is a symbolic link loop; not sent", "accepted as",
    ),
    # --client-cert
    "client_cert_missing_directory": Case(
        "list --server {address} --client-cert nowhere", 2,
        "--client-cert nowhere: no such directory; give the directory with cert.pem, key.pem "
        "and ca.pem, or issue one with `cfx clients add",
    ),
    "client_cert_is_a_file": Case(
        "list --server {address} --client-cert signed.json", 2,
        "--client-cert signed.json: is not a directory",
    ),
    "client_cert_without_key": Case(
        "submit --server {address} --client-cert no-key signed.json", 2,
        "--client-cert no-key: no-key/key.pem is missing; issue one with `cfx clients add "
        "--dir NODE --org ORG --role ROLE --out no-key`",
    ),
    "client_cert_binary_ca": Case(
        "get --server {address} --client-cert bad-ca {dataset}", 2,
        "--client-cert bad-ca: bad-ca/ca.pem is not a PEM certificate",
    ),
    # Keys and log keys
    "sign_key_is_a_directory": Case(
        "sign --key a-directory footprint.json", 2, f"--key: key file a-directory {NOT_A_KEY}"
    ),
    "keys_show_directory": Case("keys show a-directory", 2, f"key file a-directory {NOT_A_KEY}"),
    "verify_binary_log_key": Case(
        "verify --receipt receipt.json --log-key binary.bin got.json", 2,
        "--log-key binary.bin is not UTF-8 text; give the node's log.vkey",
    ),
    "witness_binary_peer_key": Case(
        "witness --dir node --peer {address} --client-cert node/clients/admin "
        "--log-key binary.bin", 2,
        "--log-key binary.bin is not UTF-8 text; give the node's log.vkey",
    ),
    "log_verify_binary_pubkey": Case(
        "log verify --log-key binary.bin --receipt receipt.json --credential got.json", 2,
        "binary.bin is not UTF-8 text",
    ),
    # Files a command writes
    "get_out_unwritable": Case(
        f"get {R} {{dataset}} -o {{root}}/no-such-dir/got.json", 2,
        "cannot write -o {root}/no-such-dir/got.json: no such file or directory; "
        "give a path in a writable directory",
    ),
    "get_receipt_into_directory": Case(
        f"get {R} {{dataset}} -o copy.json --receipt a-directory", 2,
        "cannot write --receipt a-directory: is a directory, not a file",
    ),
    "sign_output_unwritable": Case(
        "sign --key exporter.key footprint.json -o no-such-dir/out.json", 2,
        "cannot write -o no-such-dir/out.json: no such file or directory",
    ),
    # Values refused at argument parsing, before anything is sent
    "watch_from_negative": Case(
        f"watch {A} --from -1", 2, "argument --from: must be between 0 and"
    ),
    "timeout_negative": Case(
        f"list {A} --timeout -1", 2, "argument --timeout: must be a positive number of seconds"
    ),
    "timeout_nan": Case(
        f"submit {R} --timeout nan signed.json", 2,
        "argument --timeout: must be a positive number of seconds",
    ),
    "page_size_negative": Case(f"list {A} --page-size -5", 2, "argument --page-size"),
    "page_size_beyond_int32": Case(f"list {A} --page-size 99999999999", 2, "argument --page-size"),
    "prove_negative_index": Case(
        "log prove --db node/cfx.sqlite3 --index -1", 2, "argument --index: must be between 0"
    ),
    "serve_listen_not_host_port": Case(
        "serve --dir node --listen nonsense", 2, "argument --listen: expected HOST:PORT"
    ),
    # Node directories
    "trust_list_not_a_node_directory": Case(
        "trust list --dir a-directory", 2,
        "argument --dir: a-directory: not a node directory (no config.json); make one with "
        "`cfx init --dir a-directory …`",
    ),
    "clients_add_missing_node_directory": Case(
        "clients add --dir nowhere --org acme --role exporter --out acme", 2,
        "argument --dir: nowhere: no such directory (no config.json)",
    ),
    # The node's side
    "serve_port_in_use": Case(
        "serve --dir node --listen {address}", 2,
        "--listen {address}: cannot listen: Address already in use; stop the server using it or "
        "choose another port with --listen HOST:PORT",
    ),
    "nothing_listening": Case(
        "list --server 127.0.0.1:9 --client-cert exporter", 2,
        "cannot connect to 127.0.0.1:9: nothing is listening there; is `cfx serve` running",
    ),
    "log_db_unknown_scheme": Case(
        "log checkpoint --db ftp://somewhere/x", 2, "--db ftp://somewhere/x: unsupported store URL"
    ),
    "log_db_missing_file": Case(
        "log checkpoint --db sqlite://{root}/none.sqlite3", 2,
        "--db: no database file at {root}/none.sqlite3; give the node's store",
    ),
    # Client-side TLS: checked before connecting, explained when the connection fails
    "tls_expired_client_certificate": Case(
        "list --server {address} --client-cert expired", 2,
        "--client-cert expired: expired/cert.pem expired on ",
    ),
    "tls_client_certificate_from_another_ca": Case(
        "list --server {address} --client-cert other-ca", 2,
        "--client-cert other-ca: other-ca/cert.pem is not issued by other-ca/ca.pem "
        "(the node's CA), so the node will refuse it",
    ),
    "tls_key_does_not_match_certificate": Case(
        "list --server {address} --client-cert wrong-key", 2,
        "--client-cert wrong-key: wrong-key/key.pem does not match the certificate "
        "wrong-key/cert.pem",
    ),
    "tls_server_certificate_from_another_ca": Case(
        "submit --server {address} --client-cert other-node signed.json", 2,
        "cannot connect to {address}: the node's certificate is not issued by other-node/ca.pem, "
        "so this identity is for another node",
    ),
}  # fmt: skip


def _no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in (result.stdout or "") + result.stderr


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_users_mistake_is_one_line_naming_the_fix_never_a_traceback(world: World, case: Case):
    argv = case.argv.format(**world.vars).split()
    result = cfx(*argv, cwd=world.root)
    _no_traceback(result)
    assert result.returncode == case.code, result.stderr + result.stdout
    assert case.message.format(**world.vars) in result.stderr
    assert case.stdout in result.stdout
    # One line per mistake (argparse adds its usage lines above its own).
    assert [line for line in result.stderr.splitlines() if "error:" in line] == [
        line for line in result.stderr.splitlines() if not line.startswith(("usage:", " "))
    ], result.stderr
    assert len(result.stderr.splitlines()) == 1 or "usage:" in result.stderr, result.stderr


CLOSED_PIPE_CASES = {
    "trust_list": "trust list --dir node",
    "keys_show": "keys show exporter.key",
    "validate": "validate footprint.json signed.json",
    "log_checkpoint": "log checkpoint --db node/cfx.sqlite3",
}


@pytest.mark.parametrize("argv", CLOSED_PIPE_CASES.values(), ids=CLOSED_PIPE_CASES.keys())
def test_a_closed_pipe_ends_the_command_quietly_like_a_unix_tool(world: World, argv: str):
    """`cfx … | head`: the reader has gone before the first write (deterministic: the read end
    is closed before the command starts). Exit 128+SIGPIPE, nothing on stderr."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = cfx(*argv.split(), cwd=world.root, stdout=write_end)
    finally:
        os.close(write_end)
    assert result.stderr == ""
    assert result.returncode == 128 + signal.SIGPIPE


def test_log_checkpoint_reads_a_sqlite_url_as_the_store_does(world: World):
    """`--db sqlite:///ABS/PATH` is the store's own URL form (issue 10: one parser)."""
    db = world.root / "node" / "cfx.sqlite3"
    result = cfx(
        "log", "checkpoint", "--db", f"sqlite://{db}", "--log-key", "node/log.vkey", "--json",
        cwd=world.root,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    checkpoint = json.loads(result.stdout)
    assert checkpoint["verified"] is True
    assert checkpoint["size"] >= 1
    plain = cfx("log", "checkpoint", "--db", str(db), "--json", cwd=world.root)
    assert json.loads(plain.stdout)["rootHash"] == checkpoint["rootHash"]


def test_debug_shows_the_traceback_of_a_users_mistake(world: World):
    result = cfx("--debug", "keys", "show", "a-directory", cwd=world.root)
    assert result.returncode == 2
    assert "Traceback" in result.stderr
    assert result.stderr.rstrip().endswith(f"cfx: error: key file a-directory {NOT_A_KEY}")


def test_an_unexpected_error_is_one_line_with_a_hint_to_rerun_with_debug(
    monkeypatch: MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    """A bug (not a user's mistake): one line and exit 70; `--debug` shows the traceback."""

    def bug(_args: object) -> int:
        return 1 // 0

    monkeypatch.setattr(gateway.cli.keys, "run_show", bug)
    assert main(["keys", "show", "any.key"]) == EXIT_INTERNAL
    assert capsys.readouterr().err == (
        "cfx: error: internal error: ZeroDivisionError: integer division or modulo by zero "
        "(rerun with `cfx --debug …`)\n"
    )
    with pytest.raises(ZeroDivisionError):
        main(["--debug", "keys", "show", "any.key"])
