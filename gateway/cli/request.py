"""`cfx request create|list|show|fulfil|reject|watch`: footprint requests (issue 14)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from google.protobuf.json_format import MessageToDict

from gateway._proto.cfx.v1 import request_service_pb2 as rq
from gateway.cli._args import SERVER_HELP, positive_seconds, server_addresses
from gateway.cli._io import InputFileError
from gateway.client import ClientIdentityError
from gateway.node import DEFAULT_LISTEN
from gateway.rpc.request_client import RequestClient

_Action = Callable[[RequestClient, argparse.Namespace], Any]
_VIEWS = {"requester": rq.REQUEST_VIEW_REQUESTER, "owner": rq.REQUEST_VIEW_OWNER}


def register(sub: Any) -> None:
    """Add `cfx request …` to the CLI."""
    top = sub.add_parser("request", help="ask for, follow and answer footprint requests")
    verbs = top.add_subparsers(dest="verb", required=True)
    p = _verb(verbs, "create", "ask a data owner for a product's footprint", _create)
    p.add_argument("--owner", required=True, help="the data owner's organization")
    p.add_argument("--product-id", required=True, help="product id URN")
    p.add_argument("--company-id", default="", help="the owner's company id URN")
    p.add_argument("--period-start", default="", help="reference period start (RFC 3339)")
    p.add_argument("--period-end", default="", help="reference period end (RFC 3339)")
    p.add_argument("--geography", default="", help="region, country or subdivision")
    p.add_argument("--comment", default="", help="free text for the owner")
    for verb, text in (("list", "list requests"), ("watch", "follow requests as they change")):
        p = _verb(verbs, verb, text, _list if verb == "list" else _watch)
        p.add_argument(
            "--view", choices=sorted(_VIEWS), default="requester",
            help="requests I made (requester) or requests made to me (owner)",
        )  # fmt: skip
    p = _verb(verbs, "show", "show one request", _show)
    p.add_argument("name", help="requests/{uuid}")
    p = _verb(verbs, "fulfil", "answer with footprints this node holds", _fulfil)
    p.add_argument("name", help="requests/{uuid}")
    p.add_argument("footprints", nargs="+", help="datasets/{uuid} …")
    p = _verb(verbs, "reject", "answer with a refusal", _reject)
    p.add_argument("name", help="requests/{uuid}")
    p.add_argument("--code", required=True, help="BadRequest, AccessDenied, NotFound, …")
    p.add_argument("--message", default="", help="why")


def _verb(verbs: Any, name: str, text: str, action: _Action) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = verbs.add_parser(name, help=text)
    p.add_argument("--server", default=DEFAULT_LISTEN, type=server_addresses, help=SERVER_HELP)
    p.add_argument("--client-cert", required=True, type=Path, help="client identity directory")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--timeout", type=positive_seconds, default=30.0, help="deadline, seconds")
    p.set_defaults(func=lambda args: _run(args, action))
    return p


def _run(
    args: argparse.Namespace, action: Callable[[RequestClient, argparse.Namespace], Any]
) -> int:
    try:
        client = RequestClient(args.server, args.client_cert, timeout=args.timeout)
    except ClientIdentityError as exc:
        raise InputFileError(f"--client-cert {exc.directory}: {exc.problem}", exc.reason) from exc
    with client:
        action(client, args)
    return 0


def _print(request: rq.FootprintRequest, as_json: bool) -> None:
    if as_json:
        print(json.dumps(MessageToDict(request, preserving_proto_field_name=True)), flush=True)
        return
    state = rq.RequestState.Name(request.state).removeprefix("REQUEST_STATE_").lower()
    answer = ", ".join(f.name for f in request.footprints) or request.reject_code
    print(f"{request.name}  {state:<9}  {request.owner}  {request.criteria.product_id}  {answer}")


def _create(client: RequestClient, args: argparse.Namespace) -> None:
    criteria = rq.FootprintCriteria(
        product_id=args.product_id,
        company_id=args.company_id,
        reference_period_start=args.period_start,
        reference_period_end=args.period_end,
        geography=args.geography,
        comment=args.comment,
    )
    _print(client.create(args.owner, criteria), args.json)


def _list(client: RequestClient, args: argparse.Namespace) -> None:
    token = ""
    while True:
        page = client.list_requests(_VIEWS[args.view], token)
        for item in page.requests:
            _print(item, args.json)
        token = page.next_page_token
        if not token:
            return


def _watch(client: RequestClient, args: argparse.Namespace) -> None:
    for item in client.watch_requests(_VIEWS[args.view], timeout=args.timeout):
        _print(item, args.json)


def _show(client: RequestClient, args: argparse.Namespace) -> None:
    _print(client.get_request(args.name), args.json)


def _fulfil(client: RequestClient, args: argparse.Namespace) -> None:
    _print(client.fulfil(args.name, args.footprints), args.json)


def _reject(client: RequestClient, args: argparse.Namespace) -> None:
    _print(client.reject(args.name, args.code, args.message), args.json)
