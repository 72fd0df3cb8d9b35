"""ListLogEntries over real mTLS: full entries only where the caller may read, leaf hashes for the
rest, roots that still verify, and pages that walk the whole log (issue 11, AIP-158)."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial

import grpc
import pytest

from gateway._proto.cfx.v1 import exchange_service_pb2 as ex
from gateway.client import ClientError
from gateway.log.checkpoint import NoteKey
from gateway.log.entry import DatasetAccepted, StatusChange, StatusChangeKind, decode_entry
from gateway.log.merkle import leaf_hash
from gateway.node import (
    NodePaths,
    add_client,
    edit_trust,
    load_config,
    load_node_key,
    revoke_key,
    save_config,
)
from gateway.trust import Role, TrustRegistry
from signing.keys import PrivateKey, generate_key
from tests.helpers.nodes import Harness, example, make_node

RIVAL = "rival-cells"
LAPTOP = "valid/product-footprint-electronics-laptop.json"
EMISSION_FACTOR = "valid/emission-factor-sichuan-grid-co2-2022.json"
PAGE_CAP = 3


@dataclass
class Exchange:
    """A node with two competing exporters, a rule-setting operator and a revoked key."""

    h: Harness
    rival_key: PrivateKey
    own: list[str]
    rival: list[str]
    rival_withdrawn: str
    public: str
    revocation_index: int

    @property
    def log_key(self) -> NoteKey:
        return NoteKey.from_vkey((self.h.paths.root / "log.vkey").read_text(encoding="utf-8"))


def _add_rival_key(registry: TrustRegistry, *, did: str, at: datetime) -> TrustRegistry:
    return registry.with_key(RIVAL, Role.EXPORTER, did, at)


def _fresh(relative: str) -> dict:
    document = example(relative)
    document["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
    document.pop("id", None)
    return document


def _withdrawal(target: dict) -> dict:
    update = _fresh("valid/status-update-deprecate-footprint.json")
    update["credentialSubject"]["targetDatasetId"] = target["credentialSubject"]["id"]
    update["credentialSubject"]["action"] = "withdraw"
    return update


@pytest.fixture(scope="module")
def exchange(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exchange]:
    root = tmp_path_factory.mktemp("isolation")
    rival_key = generate_key("ed25519")

    def configure(paths: NodePaths) -> None:
        now = datetime.now(UTC)
        add_client(paths, org=RIVAL, role=Role.EXPORTER, out=root / "rival", now=now)
        edit_trust(paths, lambda r: r.with_key(RIVAL, Role.EXPORTER, rival_key.did, now))
        config = load_config(paths)
        save_config(paths, replace(config, limits=replace(config.limits, max_page_size=PAGE_CAP)))

    for h in make_node(root, configure=configure):
        h.identities["rival"] = root / "rival"
        own, rival = [], []
        with h.client() as exporter, h.client("rival") as competitor, h.client("admin") as admin:
            for _ in range(2):
                own.append(exporter.submit(h.sign(_fresh(LAPTOP))).dataset.name)
                rival.append(competitor.submit(h.sign(_fresh(LAPTOP), rival_key)).dataset.name)
            document = _fresh(LAPTOP)
            withdrawn = competitor.submit(h.sign(document, rival_key)).dataset.name
            competitor.withdraw(withdrawn, h.sign(_withdrawal(document), rival_key))
            operator_key = load_node_key(h.paths)
            public = admin.submit(h.sign(_fresh(EMISSION_FACTOR), operator_key)).dataset.name
        spare = generate_key("ed25519").did
        now = datetime.now(UTC)
        edit_trust(h.paths, partial(_add_rival_key, did=spare, at=now))
        _, revocation_index = revoke_key(h.paths, spare)
        yield Exchange(h, rival_key, own, [*rival, withdrawn], withdrawn, public, revocation_index)


def _names_in(leaves: list) -> set[str]:
    names = set()
    for leaf in leaves:
        if leaf.entry is not None:
            entry = decode_entry(leaf.entry)
            if isinstance(entry, DatasetAccepted):
                names.add(entry.dataset)
            elif isinstance(entry, StatusChange):
                names.add(entry.target)
    return names


def test_exporter_sees_its_own_entries_in_full_and_a_competitors_only_as_leaf_hashes(
    exchange: Exchange,
):
    with exchange.h.client() as exporter:
        leaves = list(exporter.iter_log())
    shown = _names_in(leaves)
    assert set(exchange.own) <= shown
    assert not set(exchange.rival) & shown
    hidden = [leaf for leaf in leaves if leaf.hidden]
    assert len(hidden) == len(exchange.rival) + 1  # each rival footprint, and one withdrawal
    stored = exchange.h.node.store.log_entries(0, len(leaves))
    for leaf in hidden:
        assert leaf.leaf_hash == leaf_hash(stored[leaf.index])
        for name in exchange.rival:
            assert name.encode() not in leaf.leaf_hash


def test_the_root_an_exporter_rebuilds_from_hidden_leaves_matches_the_signed_checkpoint(
    exchange: Exchange,
):
    with exchange.h.client() as exporter:
        verified = exporter.verified_log(exchange.log_key)
    assert verified.checkpoint.size == exchange.h.log_size()
    assert verified.hidden == len(exchange.rival) + 1
    assert verified.checkpoint.root_hash == exchange.h.node.store.log_root(verified.checkpoint.size)


def test_an_exporter_gets_no_inclusion_proof_carrying_a_competitors_entry(exchange: Exchange):
    h = exchange.h
    indexes = {n: h.node.store.get_dataset(n).log_index for n in (*exchange.own, *exchange.rival)}
    with h.client() as exporter, h.client("admin") as admin:
        assert exporter.inclusion_proof(indexes[exchange.own[0]]).receipt.entry
        for name in exchange.rival:
            assert admin.inclusion_proof(indexes[name]).receipt.entry
            with pytest.raises(ClientError) as err:
                exporter.inclusion_proof(indexes[name])
            assert err.value.code is grpc.StatusCode.PERMISSION_DENIED


def test_the_operator_sees_every_entry_in_full(exchange: Exchange):
    with exchange.h.client("admin") as admin:
        verified = admin.verified_log(exchange.log_key)
    assert verified.hidden == 0
    stored = exchange.h.node.store.log_entries(0, verified.checkpoint.size)
    assert [verified.entries[i] for i in range(verified.checkpoint.size)] == list(stored)


def test_public_datasets_and_key_revocations_are_shown_to_every_exporter(exchange: Exchange):
    with exchange.h.client() as exporter:
        leaves = {leaf.index: leaf for leaf in exporter.iter_log()}
    assert exchange.public in _names_in(list(leaves.values()))
    revocation = leaves[exchange.revocation_index].entry
    assert revocation is not None
    decoded = decode_entry(revocation)
    assert isinstance(decoded, StatusChange)
    assert decoded.change is StatusChangeKind.KEY_REVOCATION


def test_an_exporter_sees_in_full_what_list_datasets_shows_it_but_a_rivals_withdrawal(
    exchange: Exchange,
):
    with exchange.h.client() as exporter:
        shown = {leaf.index for leaf in exporter.iter_log() if not leaf.hidden}
        listed, token = set(), ""
        while True:
            page = exporter.list(ex.ListDatasetsRequest(page_token=token))
            listed |= {d.log_index for d in page.datasets}
            token = page.next_page_token
            if not token:
                break
    with exchange.h.client("rival") as rival:
        withdrawal = rival.get(exchange.rival_withdrawn)
    # The rival's StatusUpdate is a listable kind, but its log entry names the rival's footprint.
    status_change = {i for i in listed if i > withdrawal.dataset.log_index} - shown
    assert len(status_change) == 1
    assert shown == (listed | {exchange.revocation_index}) - status_change


@pytest.mark.parametrize("page_size", [0, 1, 2, 1000])
def test_pages_walk_to_the_end_with_no_gap_or_duplicate(exchange: Exchange, page_size: int):
    pages = []
    with exchange.h.client() as exporter:
        token = ""
        while True:
            page = exporter.log_entries(0, 0, page_size=page_size, page_token=token)
            pages.append([e.index for e in page.entries])
            token = page.next_page_token
            if not token:
                break
    assert all(0 < len(p) <= min(page_size or PAGE_CAP, PAGE_CAP) for p in pages)
    assert [i for p in pages for i in p] == list(range(exchange.h.log_size()))


def test_a_range_is_served_in_capped_pages_up_to_its_end(exchange: Exchange):
    with exchange.h.client() as exporter:
        first = exporter.log_entries(1, 6, page_size=100)
        rest = list(exporter.iter_log(1, 6))
    assert [e.index for e in first.entries] == [1, 2, 3]
    assert first.next_page_token
    assert [leaf.index for leaf in rest] == [1, 2, 3, 4, 5]


def _flip(token: str) -> str:
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw[9] ^= 1  # inside the position
    return base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")


@pytest.mark.parametrize(
    ("who", "start", "end", "alter"),
    [
        ("exporter", 0, 0, _flip),
        ("exporter", 0, 0, lambda t: t[:-2]),
        ("exporter", 0, 0, lambda _t: "3"),  # a plain position, as a guess
        ("exporter", 1, 0, lambda t: t),  # another range
        ("exporter", 0, 7, lambda t: t),
        ("rival", 0, 0, lambda t: t),  # another caller
    ],
)
def test_a_tampered_or_reused_page_token_is_refused(
    exchange: Exchange, who: str, start: int, end: int, alter
):
    with exchange.h.client() as exporter:
        token = exporter.log_entries(0, 0, page_size=1).next_page_token
    with exchange.h.client(who) as client, pytest.raises(ClientError) as err:
        client.log_entries(start, end, page_size=1, page_token=alter(token))
    assert (err.value.code, err.value.reason) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_PAGE_TOKEN",
    )


@pytest.mark.parametrize(
    ("call", "args", "kwargs", "reason"),
    [
        ("log_entries", (-1, 0), {}, "NEGATIVE_INDEX"),
        ("log_entries", (0, -1), {}, "NEGATIVE_INDEX"),
        ("log_entries", (0, 0), {"page_size": -1}, "INVALID_PAGE_SIZE"),
        ("log_entries", (3, 2), {}, "INVALID_RANGE"),
        ("inclusion_proof", (-1, 0), {}, "NEGATIVE_INDEX"),
        ("inclusion_proof", (0, -5), {}, "NEGATIVE_INDEX"),
        ("consistency_proof", (-1, 0), {}, "NEGATIVE_INDEX"),
        ("consistency_proof", (1, -(2**63)), {}, "NEGATIVE_INDEX"),
    ],
)
def test_negative_indexes_and_sizes_are_refused_before_the_store(
    exchange: Exchange, call: str, args: tuple, kwargs: dict, reason: str
):
    with exchange.h.client() as client, pytest.raises(ClientError) as err:
        getattr(client, call)(*args, **kwargs)
    assert (err.value.code, err.value.reason) == (grpc.StatusCode.INVALID_ARGUMENT, reason)


def test_a_negative_watch_start_is_refused(exchange: Exchange):
    with exchange.h.client() as client, pytest.raises(ClientError) as err:
        next(client.watch(-1, timeout=5))
    assert (err.value.code, err.value.reason) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "NEGATIVE_INDEX",
    )


def test_a_start_beyond_the_log_is_out_of_range(exchange: Exchange):
    with exchange.h.client() as client, pytest.raises(ClientError) as err:
        client.log_entries(exchange.h.log_size() + 1, 0)
    assert (err.value.code, err.value.reason) == (
        grpc.StatusCode.OUT_OF_RANGE,
        "TREE_SIZE_EXCEEDED",
    )
