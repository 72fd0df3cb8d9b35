"""`cfx search`: find datasets at a node and, with --fan-out, at its peers (SearchDatasets).

A table on a terminal (box lines; ASCII rules in pipes), one JSON document with --json. The
peers that did not answer in time, failed, or whose results were dropped are listed after the
results. Exit codes: 0 done (even with peers missing: they are listed); 1 the node refused
the query; 2 unusable input or the node unreachable.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp
from rich import box
from rich.console import Console
from rich.table import Table

from gateway._proto.cfx.v1 import dataset_pb2 as pb
from gateway._proto.cfx.v1 import search_service_pb2 as sr
from gateway.cli._args import page_size
from gateway.cli._io import plural
from gateway.cli._json import kind_name, proto_json
from gateway.cli.remote import (
    _KINDS,
    EXIT_REFUSED,
    _client_options,
    _connect,
    _dataset_dict,
    _refused,
)
from gateway.client import ClientError
from gateway.search.query import product_name
from gateway.times import parse_rfc3339
from schemas import strict_json


def _instant(text: str) -> datetime:
    moment = parse_rfc3339(text)
    if moment is None:
        raise argparse.ArgumentTypeError(f"expected an RFC 3339 date-time, not {text!r}")
    return moment


def register(sub: Any) -> None:
    """Add `cfx search` to the command parser."""
    p = sub.add_parser(
        "search",
        help="search datasets at a node (and its peers with --fan-out)",
        description="Every criterion given must match. HS/CN codes match by prefix: "
        "--product-id 8507 finds ...hs-code:8507600090. --fan-out also asks the node's peers "
        "within --timeout; peers that did not answer are listed.",
    )
    _client_options(p)
    p.add_argument("--product-id", default="", help="product id URN, or an HS/CN code prefix")
    p.add_argument("--company-id", default="", help="the issuer's company id URN")
    p.add_argument("--classification", default="", help="classification (HS/CN: by prefix)")
    p.add_argument("--geography", default="", help="region, country or subdivision code")
    p.add_argument("--kind", choices=sorted(_KINDS), help="only this dataset kind")
    p.add_argument("--valid-at", type=_instant, help="RFC 3339 date-time")
    p.add_argument("--name", default="", help="text in the product name (case-insensitive)")
    p.add_argument("--fan-out", action="store_true", help="also ask the node's peers")
    p.add_argument(
        "--page-size", type=page_size, default=0, help="results per page (0: the node's default)"
    )
    p.add_argument("--page-token", default="", help="the next page, as the last page printed")
    p.set_defaults(func=run_search)


def _request(args: argparse.Namespace) -> sr.SearchDatasetsRequest:
    request = sr.SearchDatasetsRequest(
        page_size=args.page_size,
        page_token=args.page_token,
        product_id=args.product_id,
        company_id=args.company_id,
        classification=args.classification,
        geography=args.geography,
        kind=_KINDS.get(args.kind, pb.DATASET_KIND_UNSPECIFIED),
        product_name=args.name,
        fan_out=args.fan_out,
    )
    if args.valid_at is not None:
        stamp = Timestamp()
        stamp.FromDatetime(args.valid_at)
        request.valid_at_time.CopyFrom(stamp)
    return request


def run_search(args: argparse.Namespace) -> int:
    """`cfx search`: one page of results, then the peers' outcomes."""
    with _connect(args) as client:
        try:
            response = client.search(_request(args))
        except ClientError as err:
            _refused(args, "search", err)
            return EXIT_REFUSED
    if args.json:
        print(json.dumps(_as_json(response), indent=2))
    else:
        _print_tables(response)
    return 0


def _as_json(response: sr.SearchDatasetsResponse) -> dict[str, Any]:
    return {
        "results": [
            {"dataset": _dataset_dict(r.dataset), "origins": list(r.origins)}
            for r in response.results
        ],
        "nextPageToken": response.next_page_token,
        "peers": [proto_json(p) for p in response.peers],
    }


def _name_of(credential: bytes) -> str:
    try:
        return product_name(strict_json.loads_object(credential))
    except strict_json.JSONInputError:
        return ""


def _print_tables(response: sr.SearchDatasetsResponse) -> None:
    plain = not sys.stdout.isatty()
    # Off a terminal, wide enough that a row stays on one line (names and digests grep whole).
    console = Console(highlight=False, emoji=False, width=200 if plain else None)
    table = Table(
        title="search results", title_justify="left", box=box.ASCII if plain else box.ROUNDED
    )
    for column in ("dataset", "kind", "product", "issuer", "digest", "nodes"):
        table.add_column(column, overflow="fold")
    for result in response.results:
        d = result.dataset
        table.add_row(
            d.name,
            kind_name(d.kind),
            _name_of(d.credential) or ", ".join(d.product_ids),
            d.issuer_org,
            d.digest[:16],
            ", ".join(result.origins),
        )
    console.print(table)
    if response.peers:
        peers = Table(title="peers", title_justify="left", box=box.ASCII if plain else box.ROUNDED)
        for column in ("peer", "outcome", "results", "dropped", "message"):
            peers.add_column(column, overflow="fold")
        for p in response.peers:
            peers.add_row(p.peer, p.reason, str(p.results), str(p.dropped), p.message)
        console.print(peers)
    footer = plural(len(response.results), "result")
    if response.next_page_token:
        footer += f"; next page: --page-token {response.next_page_token}"
    console.print(footer, markup=False)
