"""The pinned offline loader: allow-list, hash pins, one URL -> bytes binding per process."""

from __future__ import annotations

import hashlib
import json
import pickle
import socket
from pathlib import Path

import pytest

from schemas.paths import CONTEXTS_MANIFEST
from signing.errors import ContextManifestError, ContextNotAllowedError
from signing.keys import PrivateKey
from signing.loader import PinnedLoader, default_loader
from signing.proofs import sign
from signing.verification import verify
from tests.helpers.signing_data import EXAMPLES_V2, FOOTPRINT_CONTEXT, VC_V2, footprint_credential


def test_production_loader_serves_only_the_manifest_urls() -> None:
    loader = default_loader()
    urls = {entry["url"] for entry in json.loads(CONTEXTS_MANIFEST.read_text())["contexts"]}
    assert loader.urls == urls
    assert loader(VC_V2)["document"]["@context"]["@protected"] is True
    # The W3C examples context is for tests only.
    with pytest.raises(ContextNotAllowedError) as info:
        loader(EXAMPLES_V2)
    assert EXAMPLES_V2 in str(info.value)


def test_unknown_url_is_an_error_naming_it_and_is_never_fetched(loader: PinnedLoader) -> None:
    with pytest.raises(ContextNotAllowedError) as info:
        loader("https://attacker.example/ctx")
    assert info.value.url == "https://attacker.example/ctx"


def test_second_loader_pinning_other_bytes_for_a_url_is_refused(tmp_path: Path) -> None:
    # pyld caches processed contexts by URL process-wide: a second binding would bleed.
    other = b'{"@context": {"@protected": true, "id": "@id"}}'
    (tmp_path / "v2.jsonld").write_bytes(other)
    entry = {"url": VC_V2, "file": "v2.jsonld", "sha256": hashlib.sha256(other).hexdigest()}
    (tmp_path / "manifest.json").write_text(json.dumps({"contexts": [entry]}))
    with pytest.raises(ContextManifestError):
        PinnedLoader([tmp_path / "manifest.json"])


def test_malformed_manifest_is_a_typed_error(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text('{"contexts": [{"url": "https://x.example/"}]}')
    with pytest.raises(ContextManifestError):
        PinnedLoader([tmp_path / "manifest.json"])
    (tmp_path / "dup.json").write_text('{"contexts": [], "contexts": []}')
    with pytest.raises(ContextManifestError):
        PinnedLoader([tmp_path / "dup.json"])


def test_loader_pickles_by_manifest_for_worker_processes(loader: PinnedLoader) -> None:
    copy = pickle.loads(pickle.dumps(loader))
    assert copy.urls == loader.urls


@pytest.mark.parametrize(
    "url",
    [
        "http://www.w3.org/ns/credentials/v2",  # scheme downgrade
        "https://www.w3.org/ns/credentials/v2/",  # trailing slash
        "https://www.w3.org/ns/credentials/v2#x",  # fragment
        "https://WWW.w3.org/ns/credentials/v2",  # host case
        "https://www.w3.org/ns/credentials/v2?v=1",  # query
    ],
)
def test_near_miss_of_a_pinned_url_is_refused_naming_it_exactly(
    url: str, issuer_key: PrivateKey, loader: PinnedLoader
) -> None:
    # Pins match the URL string exactly: no normalisation that could alias a pinned context.
    credential = footprint_credential(issuer_key.did)
    credential["@context"][0] = url
    with pytest.raises(ContextNotAllowedError) as info:
        sign(credential, issuer_key, loader=loader)
    assert info.value.url == url


def test_context_import_of_an_unpinned_url_is_refused(
    issuer_key: PrivateKey, loader: PinnedLoader
) -> None:
    credential = footprint_credential(issuer_key.did)
    credential["@context"] = [VC_V2, FOOTPRINT_CONTEXT, {"@import": "https://evil.example/x"}]
    with pytest.raises(ContextNotAllowedError) as info:
        sign(credential, issuer_key, loader=loader)
    assert info.value.url == "https://evil.example/x"


def test_sign_and_verify_never_open_a_network_connection(
    monkeypatch: pytest.MonkeyPatch, issuer_key: PrivateKey, loader: PinnedLoader
) -> None:
    # A tripwire on every way Python opens a connection (R1, J1: no network, ever).
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    signed = sign(footprint_credential(issuer_key.did), issuer_key, loader=loader)
    assert verify(signed, loader=loader).verified
    signed["@context"] = [VC_V2, "https://evil.example/contexts/v1"]
    with pytest.raises(ContextNotAllowedError):
        verify(signed, loader=loader)
    assert attempts == []


def test_production_manifest_pins_the_vendored_w3c_contexts_to_their_bytes() -> None:
    # VCDM "Base Context": the v2 context is treated as already retrieved, with this exact hash
    # (signing.md R2); pyld's own bundled copy has other bytes and is never used.
    loader = default_loader()
    assert {
        VC_V2,
        "https://w3id.org/security/data-integrity/v1",
        "https://w3id.org/security/data-integrity/v2",
        "https://w3id.org/security/multikey/v1",
    } <= loader.urls
    entries = json.loads(CONTEXTS_MANIFEST.read_text())["contexts"]
    v2 = next(entry for entry in entries if entry["url"] == VC_V2)
    assert v2["sha256"] == "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734"
    for entry in entries:
        data = (CONTEXTS_MANIFEST.parent / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["url"]
