"""Client commands against a running node: `cfx submit|get|list|watch|status`.

Exit codes: 0 done; 1 the node refused (the reason is printed); 2 unusable input: a file that
cannot be read or written, an unusable --client-cert, or a node that cannot be reached.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gateway._proto.cfx.v1 import dataset_pb2 as pb
from gateway._proto.cfx.v1 import exchange_service_pb2 as ex
from gateway.chain_bundle import ChainBundle, fetch_bundle, write_bundle
from gateway.cli._args import (
    SERVER_HELP,
    non_negative_int,
    page_size,
    positive_seconds,
    server_addresses,
)
from gateway.cli._connect import connect
from gateway.cli._io import InputFileError, plural, read_bytes, read_key, write_bytes
from gateway.cli._json import KINDS, camel_keys, enum_name, kind_name, proto_json
from gateway.cli._progress import progress
from gateway.cli.convert import pact_file_as_dataset
from gateway.cli.sign import is_credential, issue
from gateway.client import CfxClient, ClientError, ConnectionFailedError
from gateway.node import DEFAULT_LISTEN
from gateway.pact.provenance import credential_marker
from schemas import strict_json
from schemas.errors import TranslationError
from schemas.translate.pact_file import pact_spec_version
from signing.document import proofs_of
from signing.keys import PrivateKey

_CHANGE_TYPE = ex.WatchDatasetsResponse.ChangeType.DESCRIPTOR
EXIT_REFUSED = 1
EXIT_UNUSABLE = 2
_KINDS = KINDS
_STATUSES = {
    "active": pb.DATASET_STATUS_ACTIVE,
    "deprecated": pb.DATASET_STATUS_DEPRECATED,
    "withdrawn": pb.DATASET_STATUS_WITHDRAWN,
}


def _client_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--server", default=DEFAULT_LISTEN, type=server_addresses, help=SERVER_HELP)
    p.add_argument(
        "--client-cert",
        required=True,
        type=Path,
        help="client identity directory with cert.pem, key.pem, ca.pem (e.g. NODE/clients/admin)",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument(
        "--timeout", type=positive_seconds, default=30.0, help="deadline per call, seconds"
    )


def register(sub: Any) -> None:
    """Add the client commands `cfx submit|get|list|watch|status` to the command parser."""
    p = sub.add_parser(
        "submit",
        help="submit signed credential files (or PACT v3 files, signed with --key) to a node",
        description="Submit each file in turn. A PACT v3 footprint file is taken as it is: read "
        "as a cfx dataset (what was converted is listed on stderr) and signed with --key. A file "
        "that cannot be read is reported and skipped; the others are still sent. Exit codes: 0 "
        "all accepted; 1 some refused by the node; 2 some file unusable (wins over 1) or the "
        "node unreachable.",
    )
    _client_options(p)
    p.add_argument(
        "--key",
        type=Path,
        metavar="KEYFILE",
        help="sign files that are no credential (a PACT v3 footprint file, a bare dataset) with "
        "this issuer key before sending, as `cfx sign` would",
    )
    p.add_argument(
        "files", nargs="+", type=Path, metavar="FILE", help="signed credential files to send"
    )
    p.set_defaults(func=run_submit)

    p = sub.add_parser("get", help="fetch a dataset by name; writes the exact stored bytes")
    _client_options(p)
    p.add_argument("name", help="datasets/{uuid}")
    p.add_argument("-o", "--out", type=Path, help="write the credential bytes to this file")
    p.add_argument("--receipt", type=Path, help="write the receipt (JSON) to this file")
    p.add_argument(
        "--with-receipts", type=Path, metavar="DIR",
        help="write the credential, every receipt the node holds for it, and its active "
        "attestations with theirs into DIR, for `cfx verify --chain DIR/*`",
    )  # fmt: skip
    p.set_defaults(func=run_get)

    p = sub.add_parser("list", help="list datasets")
    _client_options(p)
    p.add_argument("--kind", choices=sorted(_KINDS), help="only this dataset kind")
    p.add_argument("--issuer", help="only datasets of this issuer organization")
    p.add_argument("--product-id", help="only footprints of this product id URN")
    p.add_argument(
        "--classification-id", help="only this product classification (e.g. urn:cfx:cn:8507)"
    )
    p.add_argument("--geography", help="only this region, country or subdivision code")
    p.add_argument("--status", choices=sorted(_STATUSES), help="only datasets with this status")
    p.add_argument("--page-size", type=page_size, default=50, help="datasets per page")
    p.add_argument("--page-token", default="", help="the next page, as the last page printed")
    p.set_defaults(func=run_list)

    p = sub.add_parser("watch", help="stream dataset changes after a log index")
    _client_options(p)
    p.add_argument(
        "--from", dest="start", type=non_negative_int, default=0, help="first log index to show"
    )
    p.add_argument(
        "--for", dest="duration", type=positive_seconds, help="stop after this many seconds"
    )
    p.set_defaults(func=run_watch)


def _connect(args: argparse.Namespace) -> CfxClient:
    return connect(args.server, args.client_cert, timeout=args.timeout)


def _emit(args: argparse.Namespace, payload: dict[str, Any], text: str) -> None:
    print(json.dumps(payload, indent=2) if args.json else text)


def _dataset_dict(message: Any) -> dict[str, Any]:
    return proto_json(message)  # without the credential bytes: `get -o` writes them exactly


def _json_or_none(raw: bytes) -> Any:
    """The stored credential as JSON (the node checked it at intake); None if it is not."""
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _refused(args: argparse.Namespace, label: str, err: ClientError) -> None:
    if isinstance(err, ConnectionFailedError):
        raise err  # not the node's answer: main() explains it (exit 2), once, not per file
    payload = {
        "file": label,
        "code": err.code.name,
        "reason": err.reason,
        "message": err.message,
        "violations": camel_keys([v.__dict__ for v in err.violations]),
    }
    lines = [f"{label}: refused: {err.code.name} {err.reason}: {err.message}"]
    lines += [f"  {v.field}: {v.reason}: {v.description}" for v in err.violations]
    _emit(args, payload, "\n".join(lines))


def _unusable(args: argparse.Namespace, path: Path, err: InputFileError) -> None:
    """A file that was not sent: one line on stderr (a JSON record on stdout with --json)."""
    if args.json:
        _emit(args, {"file": str(path), "error": {"reason": err.reason, "message": str(err)}}, "")
    else:
        print(f"cfx: error: {err}; not sent", file=sys.stderr)


def _credential_bytes(path: Path, data: bytes, key: PrivateKey | None) -> bytes:
    """What to send for a file: a signed credential (or anything unparsable: the node says why)
    as it is; a PACT v3 footprint file or a bare dataset read as a cfx dataset and signed with
    --key. A StatusUpdate, or a file with no proof and no --key, is refused here with the fix."""
    try:
        document = strict_json.loads_object(data)
    except strict_json.JSONInputError:
        return data
    _refuse_status_update(path, document)
    if is_credential(document):
        if not proofs_of(document):
            raise InputFileError(
                f"{path} has no proof: sign it first with `cfx sign --key KEYFILE -o "
                f"signed.json {path}` and submit signed.json"
            )
        return data
    if key is None:
        what = "a PACT footprint" if pact_spec_version(document) else "a bare dataset"
        raise InputFileError(
            f"{path} is {what} with no proof: sign it first with `cfx sign --key KEYFILE "
            f"{path}`, or give --key KEYFILE (the issuer's key) to sign it as it is sent"
        )
    try:
        dataset = pact_file_as_dataset(document, str(path), sys.stderr)
    except TranslationError as exc:
        raise InputFileError(f"{path}: {exc}", exc.reason) from exc
    signed = issue(dataset, key, datetime.now(UTC).replace(microsecond=0))
    return json.dumps(signed, ensure_ascii=False).encode("utf-8")


def _refuse_status_update(path: Path, document: dict[str, Any]) -> None:
    """A StatusUpdate is not a dataset to store: it changes another's status, through its own
    RPC (DeprecateDataset / WithdrawDataset), which `cfx deprecate` / `cfx withdraw` call."""
    subject = document.get("credentialSubject", document)
    if isinstance(subject, dict) and subject.get("type") == "StatusUpdate":
        raise InputFileError(
            f"{path} is a StatusUpdate, which cfx submit does not send: use `cfx deprecate` or "
            "`cfx withdraw` with the dataset's name and --key (they sign and send it)",
            "STATUS_UPDATE_NOT_SUBMITTABLE",
        )


def _accepted_text(path: Path, ds: Any) -> str:
    """The accepted line and, one per line as `cfx validate` prints them, the warnings the node
    returned (Dataset.warnings: findings it kept with the dataset, which did not refuse it)."""
    counts = f", {plural(len(ds.warnings), 'warning')}" if ds.warnings else ""
    where = f"log index {ds.log_index}, digest {ds.digest[:16]}…{counts}"
    lines = [f"{path}: accepted as {ds.name} ({where})"]
    lines += [f"  {w.field or '/'}  {w.reason}  warning: {w.description}" for w in ds.warnings]
    return "\n".join(lines)


def run_submit(args: argparse.Namespace) -> int:
    """`cfx submit`: send each file in turn; a file that cannot be read or is refused is reported
    and the next one is still sent.
    """
    failures = unusable = 0
    key = read_key(args.key, "--key") if args.key is not None else None
    with (
        _connect(args) as client,
        progress(len(args.files), "submitting", enabled=not args.json) as advance,
    ):
        for path in args.files:
            advance(path.name)
            try:
                credential = _credential_bytes(path, read_bytes(path), key)
            except InputFileError as err:
                unusable += 1
                _unusable(args, path, err)
                continue
            try:
                response = client.submit(credential)
            except ClientError as err:
                failures += 1
                _refused(args, str(path), err)
                continue
            ds = response.dataset
            _emit(
                args,
                {
                    "file": str(path),
                    "dataset": _dataset_dict(ds),
                    "receipt": proto_json(response.receipt),
                },
                _accepted_text(path, ds),
            )
    if unusable:
        return EXIT_UNUSABLE
    return EXIT_REFUSED if failures else 0


def run_get(args: argparse.Namespace) -> int:
    """`cfx get`: fetch a dataset's exact bytes, and with --receipt its receipt."""
    with _connect(args) as client:
        try:
            response = client.get(args.name)
            bundle = fetch_bundle(client, args.name) if args.with_receipts else None
        except ClientError as err:
            _refused(args, args.name, err)
            return EXIT_REFUSED
    if bundle is not None:
        _write_bundle(bundle, args.with_receipts)
    if args.out:
        write_bytes(args.out, response.dataset.credential, option="-o")
    if args.receipt:
        from gateway.rpc.convert import receipt_from_pb  # noqa: PLC0415 - only this path

        body = receipt_from_pb(response.receipt).to_dict()
        write_bytes(args.receipt, (json.dumps(body, indent=2) + "\n").encode(), option="--receipt")
    copy_of = credential_marker(_json_or_none(response.dataset.credential))
    if copy_of:
        print(f"{args.name}: {copy_of}", file=sys.stderr)
    if args.json:
        print(json.dumps({"dataset": _dataset_dict(response.dataset)}, indent=2))
    elif not args.out:
        sys.stdout.buffer.write(response.dataset.credential + b"\n")
    else:
        print(f"{args.name}: {len(response.dataset.credential)} bytes written to {args.out}")
    return 0


def _write_bundle(bundle: ChainBundle, directory: Path) -> None:
    try:
        written = write_bundle(bundle, directory)
    except OSError as exc:
        raise InputFileError(f"--with-receipts {directory}: {exc.strerror or exc}") from exc
    withdrawn = (
        f"; {plural(bundle.withdrawn, 'withdrawn attestation')} left out"
        if bundle.withdrawn
        else ""
    )
    print(f"{plural(len(written), 'file')} written to {directory}{withdrawn}", file=sys.stderr)


def run_list(args: argparse.Namespace) -> int:
    """`cfx list`: one page of the datasets the caller may read, with the filters given."""
    request = ex.ListDatasetsRequest(
        page_size=args.page_size,
        page_token=args.page_token,
        kind=_KINDS.get(args.kind, pb.DATASET_KIND_UNSPECIFIED),
        issuer=args.issuer or "",
        product_id=args.product_id or "",
        classification_id=args.classification_id or "",
        geography=args.geography or "",
        status=_STATUSES.get(args.status, pb.DATASET_STATUS_UNSPECIFIED),
    )
    with _connect(args) as client:
        try:
            response = client.list(request)
        except ClientError as err:
            _refused(args, "list", err)
            return EXIT_REFUSED
    status = pb.DatasetStatus.DESCRIPTOR
    rows = [
        f"{d.name}  {kind_name(d.kind):<18} {enum_name(status, d.status):<10} {d.issuer_org}"
        for d in response.datasets
    ]
    footer = f"{plural(len(rows), 'dataset')} at checkpoint size {response.checkpoint.size}"
    if response.next_page_token:
        footer += f"; next page: --page-token {response.next_page_token}"
    _emit(
        args,
        {
            "datasets": [_dataset_dict(d) for d in response.datasets],
            "nextPageToken": response.next_page_token,
            "checkpoint": proto_json(response.checkpoint),
        },
        "\n".join([*rows, footer]),
    )
    return 0


def run_watch(args: argparse.Namespace) -> int:
    """`cfx watch`: print changes from a log index on, until --duration ends the stream."""
    with _connect(args) as client:
        try:
            for change in client.watch(args.start, timeout=args.duration):
                kind = enum_name(_CHANGE_TYPE, change.change_type)
                _emit(
                    args,
                    {
                        "change": kind,
                        "logIndex": change.log_index,
                        "dataset": _dataset_dict(change.dataset),
                    },
                    f"{change.log_index:>8}  {kind:<10} {change.dataset.name}",
                )
        except ClientError as err:
            _refused(args, "watch", err)
            return EXIT_REFUSED
    return 0
