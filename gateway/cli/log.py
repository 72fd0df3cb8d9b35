"""`cfx log checkpoint|prove|verify`: inspect a node's transparency log and check proofs offline.

Everything here works on files: a node's store (its SQLite file opened read-only, or its
PostgreSQL database in read-only transactions), signed checkpoint notes, entry bytes,
proof/receipt JSON and the node's public key (a verifier-key line `<name>+<hex id>+<base64>` or
an Ed25519 PEM key with `--key-name`). Nothing is fetched from the network.

Exit codes: 0 verified, 1 verification failed (the reason is printed), 2 unusable input.
"""

from __future__ import annotations

import argparse
import base64
import json
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypedDict

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from gateway.cli import log_restore
from gateway.cli._args import non_negative_int
from gateway.cli._help import DeprecatedAlias
from gateway.cli._io import MAX_INPUT_BYTES, plural, read_bytes, read_text, write_json
from gateway.cli._json import camel_keys
from gateway.log.checkpoint import (
    Checkpoint,
    NoteKey,
    parse_note,
    require_witnesses,
    verify_checkpoint,
)
from gateway.log.errors import LogError, LogFileError
from gateway.log.receipt import (
    ConsistencyProof,
    Receipt,
    verify_checkpoint_growth,
    verify_entry_inclusion,
    verify_receipt,
)
from gateway.log.sql import LogTables
from gateway.store import InvalidStoreURLError, sqlite_path
from schemas.strict_json import JSONInputError, loads_object

EXIT_FAILED = 1


def register(sub: Any) -> None:
    """Add `cfx log checkpoint|prove|verify` to the command parser."""
    parser: argparse.ArgumentParser = sub.add_parser(
        "log", help="inspect a transparency log and verify its proofs offline"
    )
    actions = parser.add_subparsers(dest="log_command", required=True, metavar="ACTION")

    cp = actions.add_parser("checkpoint", help="show (and with --log-key verify) a checkpoint")
    source = cp.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--db", help="node store (SQLite file or postgresql:// URL): its latest checkpoint"
    )
    source.add_argument("--note", type=Path, help="a signed checkpoint note file")
    _key_options(cp, required=False)
    cp.add_argument("--prefix", default="cfx_log_", help=argparse.SUPPRESS)
    cp.add_argument("--json", action="store_true", help="print the checkpoint as JSON")
    cp.set_defaults(func=run_checkpoint)

    prove = actions.add_parser("prove", help="write an inclusion or consistency proof as JSON")
    prove.add_argument("--db", required=True, help="node store: SQLite file or postgresql:// URL")
    what = prove.add_mutually_exclusive_group(required=True)
    what.add_argument(
        "--index", type=non_negative_int, help="leaf index: inclusion proof (a receipt)"
    )
    what.add_argument(
        "--from-size", type=non_negative_int, help="older tree size: consistency proof"
    )
    prove.add_argument(
        "--size",
        type=non_negative_int,
        help="tree size to prove against (default: latest checkpoint)",
    )
    prove.add_argument("-o", "--out", type=Path, help="write here instead of stdout")
    prove.add_argument("--prefix", default="cfx_log_", help=argparse.SUPPRESS)
    prove.set_defaults(func=run_prove)

    verify = actions.add_parser(
        "verify",
        help="verify a receipt, an inclusion proof or a consistency proof",
        description="Modes: --receipt R --credential C | --checkpoint N --entry E --proof P "
        "[--credential C] | --checkpoint NEW --old-checkpoint OLD --proof P",
    )
    _key_options(verify, required=True)
    verify.add_argument("--receipt", type=Path, help="receipt JSON (from a node or `log prove`)")
    verify.add_argument("--credential", type=Path, help="the credential file the entry commits to")
    verify.add_argument("--checkpoint", type=Path, help="signed checkpoint note")
    verify.add_argument("--old-checkpoint", type=Path, help="previously trusted checkpoint note")
    verify.add_argument("--entry", type=Path, help="log entry bytes")
    verify.add_argument("--proof", type=Path, help="inclusion or consistency proof JSON")
    verify.set_defaults(func=run_verify)
    log_restore.register(actions)


def _key_options(p: argparse.ArgumentParser, *, required: bool) -> None:
    need = " (required)" if required else ""
    p.add_argument(
        "--log-key", type=Path, metavar="VKEY",
        help=f"the log's key: its log.vkey (verifier-key line) or an Ed25519 PEM{need}",
    )  # fmt: skip
    p.add_argument("--pubkey", type=Path, dest="log_key", action=DeprecatedAlias,
                   replacement="--log-key")  # fmt: skip
    p.add_argument("--key-name", help="key name (needed with a PEM key)")
    p.add_argument("--origin", help="expected log origin (default: the one the key signed)")
    p.add_argument(
        "--max-age", type=float, metavar="SECONDS", help="refuse checkpoints older than this"
    )
    p.add_argument(
        "--witness-key",
        type=Path,
        action="append",
        default=[],
        help="a trusted witness's verifier-key file (repeatable)",
    )
    p.add_argument(
        "--witnesses",
        type=int,
        metavar="K",
        help="require co-signatures from K of the --witness-key witnesses (default: all given)",
    )


# -- file reading --------------------------------------------------------------------------------


def _read_json(path: Path, option: str) -> dict[str, Any]:
    try:
        return loads_object(read_bytes(path, option=option), max_bytes=MAX_INPUT_BYTES)
    except JSONInputError as exc:
        raise LogFileError(f"{option} {path} is not strict JSON: {exc}") from exc


def _note_key(args: argparse.Namespace) -> NoteKey:
    if args.log_key is None:
        raise LogFileError("give --log-key VKEY: the log's key (NODE/log.vkey)")
    return NoteKey.from_text(read_text(args.log_key, option="--log-key"), args.key_name)


@dataclass(frozen=True)
class _WitnessPolicy:
    keys: list[NoteKey]
    threshold: int

    def check(self, note: str, log_key: NoteKey) -> str:
        """Apply the policy to a verified note; say who co-signed (empty without a policy)."""
        if not self.keys:
            return ""
        names = require_witnesses(note, self.keys, self.threshold, log_key=log_key)
        return f"; co-signed by {len(names)} trusted witness(es): {', '.join(names) or '-'}"


def _witness_policy(args: argparse.Namespace, log_key: NoteKey) -> _WitnessPolicy:
    """Read and check the witness options up front: a bad policy is unusable input (exit 2),
    not a failed verification."""
    keys = [NoteKey.from_vkey(read_text(path, option="--witness-key")) for path in args.witness_key]
    threshold = len(keys) if args.witnesses is None else args.witnesses
    if threshold and not keys:
        raise LogFileError("--witnesses needs at least one --witness-key")
    if any((k.name, k.key_id) == (log_key.name, log_key.key_id) for k in keys):
        raise LogFileError("the log's own key cannot be one of its witnesses")
    if not 0 <= threshold <= len({(k.name, k.key_id) for k in keys}):
        raise LogFileError(f"--witnesses must be between 0 and the {len(keys)} witness keys")
    return _WitnessPolicy(keys, threshold)


_PG_SCHEMES = ("postgresql://", "postgres://")


@dataclass(frozen=True)
class _LogDB:
    """A read-only connection to a node's store and the log tables in its SQL dialect."""

    conn: Any
    tables: LogTables
    errors: tuple[type[Exception], ...]


@contextmanager
def _open_db(target: str, prefix: str) -> Iterator[tuple[Any, LogTables]]:
    """Open a node's SQLite file or PostgreSQL URL read-only; yield (cursor, tables).

    Database errors while reading are reported as `LogFileError` (unusable input).
    """
    try:
        path = sqlite_path(target, Path())  # the store's own parser; relative to the cwd here
    except InvalidStoreURLError as exc:
        raise LogFileError(f"--db {_redact(target)}: {exc}") from exc
    db = _connect_pg(target, prefix) if path is None else _connect_sqlite(path, prefix)
    try:
        with closing(db.conn.cursor()) as cur:
            yield cur, db.tables
    except db.errors as exc:
        raise LogFileError(f"{_redact(target)} holds no readable log: {exc}") from exc
    finally:
        db.conn.close()


def _connect_sqlite(path: Path, prefix: str) -> _LogDB:
    if not path.is_file():
        raise LogFileError(
            f"--db: no database file at {path}; give the node's store (`store` in its config.json)"
        )
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise LogFileError(f"cannot open {path}: {exc}") from exc
    return _LogDB(conn, LogTables("sqlite", prefix=prefix), (sqlite3.Error,))


def _connect_pg(url: str, prefix: str) -> _LogDB:
    import psycopg  # noqa: PLC0415 - only a PostgreSQL-backed node needs the driver loaded

    try:
        conn = psycopg.connect(url, connect_timeout=10)
        conn.read_only = True  # every statement runs in a read-only transaction
    except psycopg.Error as exc:
        raise LogFileError(f"cannot connect to {_redact(url)}: {exc}") from exc
    return _LogDB(conn, LogTables("postgresql", prefix=prefix), (psycopg.Error,))


def _redact(target: str) -> str:
    """A store URL without its password, for messages."""
    if not target.startswith(_PG_SCHEMES) or "@" not in target:
        return target
    scheme, rest = target.split("://", 1)
    userinfo, host = rest.split("@", 1)
    return f"{scheme}://{userinfo.split(':', 1)[0]}@{host}"


def _credential(args: argparse.Namespace) -> bytes:
    return read_bytes(args.credential, option="--credential")


def _checkpoint_doc(cp: Checkpoint) -> dict[str, Any]:
    return {
        "origin": cp.origin,
        "size": cp.size,
        "rootHash": base64.b64encode(cp.root_hash).decode("ascii"),
        "timestamp": cp.timestamp,
    }


# -- commands ------------------------------------------------------------------------------------


def run_checkpoint(args: argparse.Namespace) -> int:
    """`cfx log checkpoint`: print the latest (or a given) checkpoint; with --log-key, verify it."""
    if args.db is not None:
        with _open_db(args.db, args.prefix) as (cur, tables):
            latest = tables.latest_checkpoint(cur)
        if latest is None:
            raise LogFileError(f"{_redact(args.db)} holds no signed checkpoint yet")
        note = latest[1]
    else:
        note = read_text(args.note, option="--note")
    witnessed = ""
    if args.log_key is None:
        if args.witness_key:
            raise LogFileError("--witness-key needs --log-key (the log's own key)")
        cp = Checkpoint.from_note_body(parse_note(note).text)
        verified = False
    else:
        key = _note_key(args)
        policy = _witness_policy(args, key)
        try:
            cp = _verify_note(note, key, args)
            witnessed = policy.check(note, key)
        except LogError as exc:
            return _failed(exc)
        verified = True
    if args.json:
        print(
            json.dumps(
                camel_keys({**_checkpoint_doc(cp), "verified": verified, "note": note}), indent=2
            )
        )
    else:
        sys.stdout.write(note)
        state = (
            f"signature verified{witnessed}"
            if verified
            else "signature NOT checked (give --log-key)"
        )
        print(f"# {cp.origin}: {plural(cp.size, 'entry')}; {state}", file=sys.stderr)
    return 0


def _max_age(args: argparse.Namespace) -> timedelta | None:
    return None if args.max_age is None else timedelta(seconds=args.max_age)


class _Trust(TypedDict):
    """What every check here verifies a checkpoint with: the log's key, origin and freshness."""

    public_key: Ed25519PublicKey
    key_name: str
    origin: str | None
    now: datetime
    max_age: timedelta | None


def _trust(key: NoteKey, args: argparse.Namespace) -> _Trust:
    return _Trust(
        public_key=key.public_key,
        key_name=key.name,
        origin=args.origin,
        now=datetime.now(UTC),
        max_age=_max_age(args),
    )


def _verify_note(note: str, key: NoteKey, args: argparse.Namespace) -> Checkpoint:
    return verify_checkpoint(note, **_trust(key, args))


def run_prove(args: argparse.Namespace) -> int:
    """`cfx log prove`: a receipt (or a bare inclusion proof) or a consistency proof, as JSON."""
    with _open_db(args.db, args.prefix) as (cur, tables):
        doc = _prove(tables, cur, args)
    write_json(doc, args.out, option="-o")
    return 0


def _prove(tables: LogTables, cur: Any, args: argparse.Namespace) -> dict[str, Any]:
    size = args.size
    if size is None:
        latest = tables.latest_checkpoint(cur)
        size = latest[0] if latest is not None else tables.size(cur)
    if args.from_size is not None:
        proof = tables.consistency_proof(cur, args.from_size, size)
        return ConsistencyProof(args.from_size, size, tuple(proof)).to_dict()
    proof = tables.inclusion_proof(cur, args.index, size)
    entry = tables.entries(cur, args.index, args.index + 1)[0]
    note = tables.checkpoint_at(cur, size)
    if note is None:  # no signed checkpoint at that size: a bare proof, not a receipt
        return {
            "logIndex": args.index,
            "treeSize": size,
            "inclusionProof": [base64.b64encode(h).decode("ascii") for h in proof],
            "entry": base64.b64encode(entry).decode("ascii"),
        }
    return Receipt(args.index, size, tuple(proof), note, entry).to_dict()


def _receipt_outcome(
    receipt: Receipt, credential: bytes, note: str, key: NoteKey, args: argparse.Namespace
) -> int:
    return _outcome(
        lambda: verify_receipt(receipt, credential, **_trust(key, args)),
        f"entry {receipt.log_index} and the credential's digest",
        note,
        key,
        args,
    )


def run_verify(args: argparse.Namespace) -> int:
    """`cfx log verify`: check a receipt, an inclusion proof or a consistency proof offline."""
    key = _note_key(args)
    if args.receipt is not None:
        if args.credential is None:
            raise LogFileError("--receipt needs --credential (the dataset file)")
        receipt = Receipt.from_json(read_bytes(args.receipt, option="--receipt"))
        return _receipt_outcome(receipt, _credential(args), receipt.checkpoint_note, key, args)
    if args.checkpoint is None or args.proof is None:
        raise LogFileError("give --receipt, or --checkpoint with --proof (and --entry)")
    note = read_text(args.checkpoint, option="--checkpoint")
    proof_doc = _read_json(args.proof, "--proof")
    if args.old_checkpoint is not None:
        old_note = read_text(args.old_checkpoint, option="--old-checkpoint")
        proof = ConsistencyProof.from_dict(proof_doc)
        return _outcome(
            lambda: verify_checkpoint_growth(old_note, note, proof, **_trust(key, args)),
            f"consistency from size {proof.size1}",
            note,
            key,
            args,
        )
    if args.entry is None:
        raise LogFileError("an inclusion check needs --entry (or --old-checkpoint)")
    fields = {k: proof_doc.get(k) for k in ("logIndex", "treeSize", "inclusionProof")}
    entry = read_bytes(args.entry, option="--entry")
    receipt = Receipt.from_dict(
        {**fields, "checkpoint": note, "entry": base64.b64encode(entry).decode("ascii")}
    )
    if args.credential is not None:
        return _receipt_outcome(receipt, _credential(args), note, key, args)
    return _outcome(
        lambda: verify_entry_inclusion(receipt, **_trust(key, args))[0],
        f"entry {receipt.log_index}",
        note,
        key,
        args,
    )


def _outcome(check: Any, what: str, note: str, key: NoteKey, args: argparse.Namespace) -> int:
    """Run the check, then the witness policy on the checkpoint note it verified against."""
    policy = _witness_policy(args, key)
    try:
        cp: Checkpoint = check()
        witnessed = policy.check(note, key)
    except LogError as exc:
        return _failed(exc)
    print(f"OK: {what} verified against {cp.origin} at size {cp.size}{witnessed}")
    return 0


def _failed(exc: LogError) -> int:
    print(f"cfx: verification FAILED ({exc.reason}): {exc}", file=sys.stderr)
    return EXIT_FAILED
