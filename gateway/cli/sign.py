"""`cfx sign`: add a Data Integrity proof to a credential, or wrap a bare dataset and sign it.

Input is an unsigned VC, a VC that already has proofs (one more is added: a proof set, or with
--chain a proof chained to the last one), or a bare dataset, which is wrapped in a VC 2.0
envelope whose issuer is the key's DID. A PACT v3 footprint file is taken as it is: it is read
as the cfx dataset it stands for (`urn:uuid:` ids, a `type`) and what was converted is listed on
stderr. Every proof gets a `urn:uuid:` id so later proofs can chain to it, and a credential
without an `id` gets one (VC 2.0 §4.4), so a deprecation or a log entry can name it.

Many files are signed in one process (one key load, one loader; process start-up dominates a
file's signing): with one file `-o` names the output file, with several `-o` names a directory
that receives each signed file under its own name. Each dataset is validated before it is
signed, because a proof over an invalid dataset only makes the node's refusal come later;
`--no-validate` skips that, for a file being repaired.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import schemas
from gateway.cli._args import add_context_manifest
from gateway.cli._io import InputFileError, plural, read_json_object, read_key, write_json
from gateway.cli.convert import pact_file_as_dataset
from gateway.times import parse_rfc3339
from schemas.violations import errors
from signing.document import format_datetime, issuer_of, proofs_of
from signing.errors import ProofOptionsError, SigningError
from signing.keys import PrivateKey
from signing.loader import PinnedLoader, default_loader
from signing.proofs import sign
from signing.suites import DEFAULT_SUITE, SUITES

VC_V2 = "https://www.w3.org/ns/credentials/v2"
CFX_V1 = "https://w3id.org/cfx/v1"


def register(sub: Any) -> None:
    """Add `cfx sign` to the command parser."""
    parser: argparse.ArgumentParser = sub.add_parser(
        "sign", help="sign credentials (or wrap bare datasets in one and sign them)"
    )
    parser.add_argument(
        "inputs", metavar="IN.json", nargs="+", help="credentials or datasets ('-' for stdin)"
    )
    parser.add_argument(
        "--key", type=Path, required=True, metavar="KEYFILE",
        help="the signer's private key file (from `cfx keys generate`)",
    )  # fmt: skip
    parser.add_argument(
        "--suite", choices=sorted(SUITES), default=DEFAULT_SUITE, help="Data Integrity cryptosuite"
    )
    parser.add_argument(
        "--chain", action="store_true", help="chain the new proof to the last existing one"
    )
    parser.add_argument(
        "-o", "--output", type=Path, metavar="OUT",
        help="output file for one input, or directory for several (default: stdout, one input)",
    )  # fmt: skip
    parser.add_argument(
        "--no-validate", dest="validate", action="store_false",
        help="sign even when the dataset fails its schema or semantic checks",
    )  # fmt: skip
    parser.add_argument(
        "--expires", type=iso_datetime, metavar="DATETIME",
        help="proof expiry, an ISO 8601 date-time with offset (e.g. 2026-12-31T00:00:00Z)",
    )  # fmt: skip
    parser.add_argument("--domain", help="the verifier's domain this proof is meant for")
    parser.add_argument("--challenge", help="the verifier's challenge (nonce) to answer")
    add_context_manifest(parser)
    parser.set_defaults(func=run)


def iso_datetime(text: str) -> datetime:
    """An aware datetime for --expires; argparse turns the ValueError into a usage error."""
    moment = parse_rfc3339(text)
    if moment is None:
        raise ValueError(text)
    return moment


def loader_for(manifests: list[Path]) -> PinnedLoader:
    """The default pinned loader, plus any --context-manifest files."""
    if not manifests:
        return default_loader()
    return PinnedLoader([*default_loader().manifests, *manifests])


def is_credential(document: dict[str, Any]) -> bool:
    """A VC 2.0 credential (a @context and the VerifiableCredential type), not a bare dataset."""
    types = document.get("type")
    types = types if isinstance(types, list) else [types]
    return "VerifiableCredential" in types and "@context" in document


def wrap_dataset(dataset: dict[str, Any], issuer: str, valid_from: datetime) -> dict[str, Any]:
    """A VC 2.0 envelope around a bare dataset; its @context moves up to the credential."""
    subject = {key: value for key, value in dataset.items() if key != "@context"}
    contexts = dataset.get("@context", [CFX_V1])
    contexts = contexts if isinstance(contexts, list) else [contexts]
    contexts = [VC_V2, *(c for c in contexts if c != VC_V2)]
    types = ["VerifiableCredential"] + (["CarbonDatasetCredential"] if CFX_V1 in contexts else [])
    return {
        "@context": contexts,
        "type": types,
        "issuer": issuer,
        "validFrom": format_datetime(valid_from),
        "credentialSubject": subject,
    }


def issue(dataset: dict[str, Any], key: PrivateKey, now: datetime) -> dict[str, Any]:
    """A bare dataset wrapped in a credential issued by `key`'s DID and signed by it (the
    default suite and contexts): what `cfx submit --key` sends for a file that is no credential.
    """
    document = with_id(wrap_dataset(dataset, key.did, now))
    return sign(document, key, created=now, proof_id=f"urn:uuid:{uuid.uuid4()}")


def with_id(credential: dict[str, Any]) -> dict[str, Any]:
    """The credential with a `urn:uuid:` id (VC 2.0 §4.4) when it has none, after @context."""
    if "id" in credential:
        return credential
    head = {"@context": credential["@context"]} if "@context" in credential else {}
    return head | {"id": f"urn:uuid:{uuid.uuid4()}"} | credential


def _previous_proof(document: dict[str, Any]) -> str:
    proofs = proofs_of(document)
    if not proofs:
        raise ProofOptionsError("--chain needs an existing proof to chain to")
    last_id = proofs[-1].get("id")
    if not isinstance(last_id, str):
        raise ProofOptionsError("the last proof has no id, so a new proof cannot chain to it")
    return last_id


def run(args: argparse.Namespace) -> int:
    """`cfx sign`: add a proof by --key (the issuer's, or with --chain an endorsement) to each
    input, writing each as it is signed (one unusable file stops the run: nothing is half-done
    silently, and the files already written are named on stderr)."""
    key = read_key(args.key, "--key")
    targets = _outputs(args.inputs, args.output)
    loader = loader_for(args.context_manifest)
    for name, output in targets:
        try:
            signed = sign_one(args, name, key, loader)
        except SigningError as exc:  # which file of many, then what is wrong with it
            raise InputFileError(f"{name}: {exc}", exc.reason) from exc
        write_json(signed, output)
    if len(targets) > 1:
        print(f"{plural(len(targets), 'file')} signed into {args.output}", file=sys.stderr)
    return 0


def _outputs(inputs: list[str], output: Path | None) -> list[tuple[str, Path | None]]:
    """Where each input's signed credential goes: -o FILE for one, -o DIR for several."""
    if len(inputs) == 1 and not (output is not None and output.is_dir()):
        return [(inputs[0], output)]
    if output is None:
        raise InputFileError("several files to sign: give -o DIR, a directory for the outputs")
    if "-" in inputs:
        raise InputFileError("stdin ('-') can be signed only on its own")
    output.mkdir(parents=True, exist_ok=True)
    names = [Path(name).name for name in inputs]
    if len(set(names)) != len(names):
        raise InputFileError(f"two inputs have the same file name; -o {output} would mix them")
    return [(name, output / Path(name).name) for name in inputs]


def _check(document: dict[str, Any], label: str) -> None:
    """Refuse to sign what the node would refuse (its schema and semantic errors)."""
    refusing = errors(schemas.validate(document))
    if refusing:
        first = refusing[0]
        raise InputFileError(
            f"{label} is not a valid dataset ({plural(len(refusing), 'violation')}, first: "
            f"{first.pointer or '/'} {first.reason}: {first.message}); see them all with "
            f"`cfx validate {label}`, or sign anyway with --no-validate",
            first.reason,
        )


def sign_one(
    args: argparse.Namespace, name: str, key: PrivateKey, loader: PinnedLoader
) -> dict[str, Any]:
    """The signed credential for the file `name` (see run())."""
    document = read_json_object(name)
    now = datetime.now(UTC).replace(microsecond=0)
    if not is_credential(document):
        document = pact_file_as_dataset(document, name, sys.stderr)
        document = wrap_dataset(document, key.did, now)
    if args.validate:
        _check(document, name)
    if not proofs_of(document):  # an id added after a proof would break that proof
        document = with_id(document)
    previous = _previous_proof(document) if args.chain else None
    if previous is None and issuer_of(document) != key.did:
        # verify() accepts unchained proofs only from the issuer: endorse with --chain instead.
        raise ProofOptionsError(
            f"this key ({key.did}) is not the issuer ({issuer_of(document)}); "
            "use --chain to add an endorsing proof"
        )
    if args.expires is not None and args.expires <= now:
        raise ProofOptionsError(f"--expires {args.expires.isoformat()} is not in the future")
    return sign(
        document, key, suite=args.suite, created=now, expires=args.expires, domain=args.domain,
        challenge=args.challenge, previous_proof=previous, proof_id=f"urn:uuid:{uuid.uuid4()}",
        loader=loader,
    )  # fmt: skip
