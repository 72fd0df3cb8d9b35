"""`cfx log checkpoint|prove|verify` on files: a node's SQLite log, notes, keys, proofs."""

import hashlib
import json
import sqlite3
from contextlib import closing
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from gateway import cli
from gateway.log.checkpoint import Checkpoint, NoteKey, cosign_note, sign_checkpoint
from gateway.log.entry import DatasetAccepted
from gateway.log.sql import LogTables

ORIGIN = "cfx.acme.provincial/log"
KEY_NAME = "cfx.acme.provincial/log"
KEY = Ed25519PrivateKey.from_private_bytes(b"\x05" * 32)


@pytest.fixture
def cfx():
    return cli.main


def _credential(i):
    return json.dumps({"id": f"urn:cred:{i}"}).encode()


def _entry(i):
    return DatasetAccepted(
        digest=hashlib.sha256(_credential(i)).digest(),
        kind="EmissionFactor",
        issuer="did:web:grid.example",
        dataset=f"urn:cred:{i}",
        received_at=datetime(2026, 11, 26, tzinfo=UTC),
    ).to_bytes()


def _sign(tables, cur, size):
    cp = Checkpoint(ORIGIN, size, tables.root(cur, size), int(datetime.now(UTC).timestamp()))
    note = sign_checkpoint(cp, KEY, KEY_NAME)
    tables.save_checkpoint(cur, size, note)
    return note


@pytest.fixture
def node(tmp_path):
    db = tmp_path / "cfx.sqlite3"
    tables = LogTables("sqlite")
    with closing(sqlite3.connect(db, isolation_level=None)) as conn, closing(conn.cursor()) as cur:
        tables.create_schema(cur)
        cur.execute("BEGIN IMMEDIATE")
        tables.append(cur, [_entry(i) for i in range(6)])
        old_note = _sign(tables, cur, 6)
        tables.append(cur, [_entry(i) for i in range(6, 13)])
        new_note = _sign(tables, cur, 13)
        cur.execute("COMMIT")
    (tmp_path / "old.note").write_text(old_note)
    (tmp_path / "new.note").write_text(new_note)
    (tmp_path / "log.vkey").write_text(NoteKey(KEY_NAME, KEY.public_key()).to_vkey() + "\n")
    pem = KEY.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    (tmp_path / "log.pem").write_bytes(pem)
    (tmp_path / "cred4.json").write_bytes(_credential(4))
    (tmp_path / "entry4.bin").write_bytes(_entry(4))
    return tmp_path


def test_checkpoint_from_db_is_printed_and_verified(cfx, node, capsys):
    assert (
        cfx(
            [
                "log",
                "checkpoint",
                "--db",
                str(node / "cfx.sqlite3"),
                "--log-key",
                str(node / "log.vkey"),
                "--json",
            ]
        )
        == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert (doc["origin"], doc["size"], doc["verified"]) == (ORIGIN, 13, True)


def test_checkpoint_without_key_says_it_is_unverified(cfx, node, capsys):
    assert cfx(["log", "checkpoint", "--note", str(node / "old.note")]) == 0
    out = capsys.readouterr()
    assert out.out == (node / "old.note").read_text()
    assert "NOT checked" in out.err


def test_checkpoint_with_pem_key_and_wrong_name_fails(cfx, node, capsys):
    argv = [
        "log",
        "checkpoint",
        "--note",
        str(node / "old.note"),
        "--log-key",
        str(node / "log.pem"),
    ]
    assert cfx([*argv, "--key-name", KEY_NAME]) == 0
    assert cfx([*argv, "--key-name", "other.example/log"]) == 1
    assert "CHECKPOINT_SIGNATURE_INVALID" in capsys.readouterr().err


def test_prove_writes_a_receipt_that_verifies_with_the_credential(cfx, node, capsys):
    receipt = node / "r.json"
    assert (
        cfx(["log", "prove", "--db", str(node / "cfx.sqlite3"), "--index", "4", "-o", str(receipt)])
        == 0
    )
    argv = ["log", "verify", "--log-key", str(node / "log.vkey"), "--receipt", str(receipt)]
    assert cfx([*argv, "--credential", str(node / "cred4.json"), "--origin", ORIGIN]) == 0
    assert "OK" in capsys.readouterr().out
    (node / "bad.json").write_bytes(_credential(4) + b" ")
    assert cfx([*argv, "--credential", str(node / "bad.json")]) == 1
    assert "DIGEST_MISMATCH" in capsys.readouterr().err
    assert cfx([*argv, "--credential", str(node / "cred4.json"), "--origin", "cfx.other/log"]) == 1


def test_verify_entry_with_checkpoint_and_proof_files(cfx, node):
    proof = node / "p.json"
    assert (
        cfx(
            [
                "log",
                "prove",
                "--db",
                str(node / "cfx.sqlite3"),
                "--index",
                "4",
                "--size",
                "6",
                "-o",
                str(proof),
            ]
        )
        == 0
    )
    argv = [
        "log",
        "verify",
        "--log-key",
        str(node / "log.vkey"),
        "--entry",
        str(node / "entry4.bin"),
        "--proof",
        str(proof),
    ]
    assert cfx([*argv, "--checkpoint", str(node / "old.note")]) == 0
    assert (
        cfx(
            [
                *argv,
                "--checkpoint",
                str(node / "old.note"),
                "--credential",
                str(node / "cred4.json"),
            ]
        )
        == 0
    )
    assert cfx([*argv, "--checkpoint", str(node / "new.note")]) == 1  # proof is for size 6


def test_verify_consistency_between_two_checkpoints(cfx, node, capsys):
    proof = node / "c.json"
    assert (
        cfx(
            [
                "log",
                "prove",
                "--db",
                str(node / "cfx.sqlite3"),
                "--from-size",
                "6",
                "-o",
                str(proof),
            ]
        )
        == 0
    )
    assert json.loads(proof.read_text())["toSize"] == 13
    argv = ["log", "verify", "--log-key", str(node / "log.vkey"), "--proof", str(proof)]
    assert (
        cfx(
            [
                *argv,
                "--old-checkpoint",
                str(node / "old.note"),
                "--checkpoint",
                str(node / "new.note"),
            ]
        )
        == 0
    )
    assert "consistency from size 6" in capsys.readouterr().out
    # Swapped roles: the "new" checkpoint is older, so the proof does not fit.
    assert (
        cfx(
            [
                *argv,
                "--old-checkpoint",
                str(node / "new.note"),
                "--checkpoint",
                str(node / "old.note"),
            ]
        )
        == 1
    )


def test_verify_refuses_a_tampered_checkpoint(cfx, node, capsys):
    receipt = node / "r.json"
    cfx(["log", "prove", "--db", str(node / "cfx.sqlite3"), "--index", "2", "-o", str(receipt)])
    doc = json.loads(receipt.read_text())
    doc["checkpoint"] = doc["checkpoint"].replace("\n13\n", "\n12\n")
    doc["treeSize"] = 12
    receipt.write_text(json.dumps(doc))
    (node / "cred2.json").write_bytes(_credential(2))
    argv = [
        "log",
        "verify",
        "--log-key",
        str(node / "log.vkey"),
        "--receipt",
        str(receipt),
        "--credential",
        str(node / "cred2.json"),
    ]
    assert cfx(argv) == 1
    assert "FAILED" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        [
            "log",
            "verify",
            "--log-key",
            "{node}/missing.vkey",
            "--receipt",
            "{node}/r.json",
            "--credential",
            "{node}/cred4.json",
        ],
        [
            "log",
            "verify",
            "--log-key",
            "{node}/log.vkey",
            "--receipt",
            "{node}/old.note",
            "--credential",
            "{node}/cred4.json",
        ],
        ["log", "verify", "--log-key", "{node}/log.vkey", "--checkpoint", "{node}/old.note"],
        [
            "log",
            "verify",
            "--log-key",
            "{node}/old.note",
            "--checkpoint",
            "{node}/old.note",
            "--proof",
            "{node}/old.note",
        ],
        ["log", "checkpoint", "--db", "{node}/absent.sqlite3"],
        ["log", "checkpoint", "--db", "{node}/old.note"],
        ["log", "prove", "--db", "{node}/cfx.sqlite3", "--index", "13"],
        ["log", "checkpoint", "--note", "{node}/log.pem", "--log-key", "{node}/log.pem"],
    ],
)
def test_unusable_input_is_exit_2_with_a_message(cfx, node, capsys, argv):
    assert cfx([a.replace("{node}", str(node)) for a in argv]) == 2
    assert capsys.readouterr().err.startswith("cfx: error:")


def test_verify_with_a_witness_policy_needs_enough_cosignatures(cfx, node, capsys):
    witnesses = [Ed25519PrivateKey.from_private_bytes(bytes([60 + i]) * 32) for i in range(2)]
    names = [f"witness{i}.example/w" for i in range(2)]
    for i, (w, name) in enumerate(zip(witnesses, names, strict=True)):
        (node / f"w{i}.vkey").write_text(NoteKey(name, w.public_key()).to_vkey() + "\n")
    note = (node / "new.note").read_text()
    (node / "one.note").write_text(cosign_note(note, witnesses[0], names[0]))
    base = ["log", "checkpoint", "--log-key", str(node / "log.vkey")]
    policy = ["--witness-key", str(node / "w0.vkey"), "--witness-key", str(node / "w1.vkey")]
    # Both witnesses required by default: one co-signature is not enough.
    assert cfx([*base, "--note", str(node / "one.note"), *policy]) == 1
    assert "WITNESS_THRESHOLD_NOT_MET" in capsys.readouterr().err
    assert cfx([*base, "--note", str(node / "one.note"), *policy, "--witnesses", "1"]) == 0
    assert "co-signed by 1 trusted witness(es): witness0.example/w" in capsys.readouterr().err
    # The same policy applies to a receipt's checkpoint.
    receipt = node / "r.json"
    assert (
        cfx(["log", "prove", "--db", str(node / "cfx.sqlite3"), "--index", "4", "-o", str(receipt)])
        == 0
    )
    doc = json.loads(receipt.read_text())
    doc["checkpoint"] = (node / "one.note").read_text()
    receipt.write_text(json.dumps(doc))
    verify = ["log", "verify", "--log-key", str(node / "log.vkey"), "--receipt", str(receipt)]
    verify += ["--credential", str(node / "cred4.json"), *policy]
    assert cfx(verify) == 1
    assert cfx([*verify, "--witnesses", "1"]) == 0
    assert "witness0.example/w" in capsys.readouterr().out
    # The log's own key listed as a witness, or a threshold without witnesses, is unusable input.
    assert cfx([*verify, "--witness-key", str(node / "log.vkey"), "--witnesses", "1"]) == 2
    assert cfx([*base, "--note", str(node / "one.note"), "--witnesses", "1"]) == 2


@pytest.mark.postgres
def test_checkpoint_and_prove_read_a_postgresql_store(cfx, tmp_path, postgres_url, capsys):
    import psycopg  # noqa: PLC0415 - only this test needs the driver

    tables = LogTables("postgresql")
    with psycopg.connect(postgres_url, autocommit=True) as conn, conn.cursor() as cur:
        tables.create_schema(cur)
        cur.execute("BEGIN")
        tables.append(cur, [_entry(i) for i in range(9)])
        _sign(tables, cur, 9)
        cur.execute("COMMIT")
    (tmp_path / "log.vkey").write_text(NoteKey(KEY_NAME, KEY.public_key()).to_vkey() + "\n")
    (tmp_path / "cred4.json").write_bytes(_credential(4))
    vkey = str(tmp_path / "log.vkey")
    assert cfx(["log", "checkpoint", "--db", postgres_url, "--log-key", vkey, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["size"] == 9
    receipt = tmp_path / "r.json"
    assert cfx(["log", "prove", "--db", postgres_url, "--index", "4", "-o", str(receipt)]) == 0
    verify = ["log", "verify", "--log-key", vkey, "--receipt", str(receipt)]
    assert cfx([*verify, "--credential", str(tmp_path / "cred4.json")]) == 0
    # An index beyond the log, or a database without a log, is unusable input (exit 2).
    assert cfx(["log", "prove", "--db", postgres_url, "--index", "9"]) == 2
    assert cfx(["log", "checkpoint", "--db", postgres_url, "--prefix", "nolog_"]) == 2
    assert "holds no readable log" in capsys.readouterr().err


def test_unreachable_postgresql_store_is_exit_2_without_the_password(cfx, capsys):
    url = "postgresql://cfx:s3cret-pw@127.0.0.1:1/nodb"  # nothing listens on port 1
    assert cfx(["log", "checkpoint", "--db", url]) == 2
    err = capsys.readouterr().err
    assert "cannot connect to postgresql://cfx@127.0.0.1:1/nodb" in err
    assert "s3cret-pw" not in err
