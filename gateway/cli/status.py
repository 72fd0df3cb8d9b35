"""`cfx deprecate` and `cfx withdraw`: sign a StatusUpdate for a dataset and send it.

The StatusUpdate names the target as its credential does (credentialSubject.id and type), carries
the target's usage policy so it travels exactly where the target went, and is signed with --key,
which must be a key the node trusts for the target's issuer. The node then marks the dataset
deprecated (still readable, with its successor) or withdrawn (no longer served as active), and
logs the change. The target's bytes are fetched from the node first, so nothing but its name is
needed here.
"""

from __future__ import annotations

import argparse
import copy
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gateway.cli._io import InputFileError, read_key
from gateway.cli._json import proto_json
from gateway.cli.remote import EXIT_REFUSED, _client_options, _connect, _emit, _refused
from gateway.cli.sign import CFX_V1, issue
from gateway.client import CfxClient, ClientError
from gateway.times import to_rfc3339
from schemas import strict_json

REASONS = (
    "superseded",
    "error-in-data",
    "methodology-change",
    "certificate-revoked",
    "fraud-suspected",
    "other",
)  # status-update.schema.json reasonCode


_DONE = {"deprecate": "deprecated", "withdraw": "withdrawn"}


def register(sub: Any) -> None:
    """Add `cfx deprecate` and `cfx withdraw` to the command parser."""
    for action, default_reason, summary in (
        ("deprecate", "superseded", "mark a dataset deprecated (superseded, still readable)"),
        ("withdraw", "error-in-data", "withdraw a dataset (it must no longer be used)"),
    ):
        p = sub.add_parser(
            action, help=summary, description=f"{summary[0].upper()}{summary[1:]}: sign a "
            "StatusUpdate naming it with --key (a key the node trusts for the dataset's issuer) "
            "and send it to the node, which logs the change.",
        )  # fmt: skip
        _client_options(p)
        p.add_argument("name", help="the dataset to change, datasets/{uuid}")
        p.add_argument(
            "--key", type=Path, required=True, metavar="KEYFILE",
            help="the issuer's private key, to sign the StatusUpdate",
        )  # fmt: skip
        p.add_argument("--reason", choices=REASONS, default=default_reason, help="reason code")
        p.add_argument("--message", default="", help="the reason in words, for the readers")
        if action == "deprecate":
            p.add_argument(
                "--successor", metavar="NAME",
                help="the dataset that replaces it, datasets/{uuid} (its id goes in supersededBy)",
            )  # fmt: skip
        p.set_defaults(func=run, status_action=action)


def _subject(client: CfxClient, name: str) -> dict[str, Any]:
    """The credentialSubject of the dataset `name`, as the node stores it."""
    credential = client.get(name).dataset.credential
    try:
        subject = strict_json.loads_object(credential).get("credentialSubject")
    except strict_json.JSONInputError as exc:
        raise InputFileError(f"{name}: the node's copy is not JSON ({exc})") from exc
    if not isinstance(subject, dict) or not isinstance(subject.get("id"), str):
        raise InputFileError(f"{name} has no credentialSubject.id to name in a StatusUpdate")
    return subject


def status_update(
    action: str, target: dict[str, Any], args: argparse.Namespace, now: datetime
) -> dict[str, Any]:
    """The StatusUpdate dataset (unsigned, bare) for `action` on the `target` subject."""
    update: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/credentials/v2", CFX_V1],
        "type": "StatusUpdate",
        "targetDatasetId": target["id"],
        "targetKind": target.get("type"),
        "action": action,
        "reasonCode": args.reason,
        "effectiveAt": to_rfc3339(now),
    }
    if args.message:
        update["reasonText"] = args.message
    if "usagePolicy" in target:  # shared as the target is (gateway/demo/documents.withdrawal)
        update["usagePolicy"] = copy.deepcopy(target["usagePolicy"])
    return update


def run(args: argparse.Namespace) -> int:
    """`cfx deprecate|withdraw`: fetch the target, sign its StatusUpdate, send it."""
    key = read_key(args.key, "--key")
    now = datetime.now(UTC).replace(microsecond=0)
    with _connect(args) as client:
        try:
            update = status_update(args.status_action, _subject(client, args.name), args, now)
            successor = getattr(args, "successor", None)
            if successor:
                update["supersededBy"] = _subject(client, successor)["id"]
            update["id"] = f"urn:uuid:{uuid.uuid4()}"
            signed = json.dumps(issue(update, key, now), ensure_ascii=False).encode("utf-8")
            send = client.deprecate if args.status_action == "deprecate" else client.withdraw
            response = send(args.name, signed)
        except ClientError as err:
            _refused(args, args.name, err)
            return EXIT_REFUSED
    ds = response.dataset
    _emit(
        args,
        {"dataset": proto_json(ds), "receipt": proto_json(response.receipt)},
        f"{args.name}: {_DONE[args.status_action]} (log index {ds.log_index})",
    )
    return 0
