"""The page's routes over real HTTPS (the node's certificate): status codes, types, limits, and
that nothing uploaded is stored or logged."""

from __future__ import annotations

import logging
import os
import ssl
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from gateway.log.checkpoint import NoteKey
from gateway.web.sites import offline_app
from gateway.web.upload import body_cap
from tests.integration.web.conftest import Site


def _client(site: Site, identity: str | None = None) -> httpx.Client:
    paths = site.harness.paths
    cert = None
    if identity is not None:
        folder = site.harness.identities[identity]
        cert = (str(folder / "cert.pem"), str(folder / "key.pem"))
    return httpx.Client(
        base_url=site.url,
        verify=ssl.create_default_context(cafile=paths.ca_cert),
        cert=cert,
        timeout=30,
    )


def _post(client: httpx.Client, credential: Path, *receipts: Path) -> httpx.Response:
    files = [("credential", (credential.name, credential.read_bytes(), "application/json"))]
    files += [("receipt", (r.name, r.read_bytes(), "application/json")) for r in receipts]
    return client.post("/verify", files=files)


def test_index_is_accessible_html(site: Site) -> None:
    with _client(site) as client:
        page = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
        css = client.get("/static/web.css")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="zh-CN">' in page.text
    assert '<label for="credential">' in page.text
    assert "核验碳足迹凭证" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")


def test_verdicts(site: Site) -> None:
    f = site.files
    with _client(site) as client:
        good = _post(client, f.good)
        tampered = _post(client, f.tampered)
        revoked = _post(client, f.revoked)
        with_receipt = _post(client, f.submitted, f.receipt)
        wrong_receipt = _post(client, f.revoked, f.receipt)
    assert good.status_code == 200
    assert '<h1 id="verdict">Verified</h1>' in good.text
    assert "sichuan-cells" in good.text  # the issuer's organization from the node's registry
    assert "62.40" in good.text
    assert "4000" in good.text
    assert '<h1 id="verdict">Not verified</h1>' in tampered.text
    assert "SIGNATURE_INVALID" in tampered.text
    assert "KEY_REVOKED" in revoked.text
    assert "Not verified" in revoked.text
    assert '<h1 id="verdict">Verified</h1>' in with_receipt.text
    assert "included" in with_receipt.text
    assert "s ago" in with_receipt.text
    assert "RECEIPT_NOT_VERIFIED" in wrong_receipt.text  # a receipt for other bytes
    assert "DIGEST_MISMATCH" in wrong_receipt.text or "NOT verified" in wrong_receipt.text


def test_bad_uploads(site: Site) -> None:
    cap = body_cap(site.harness.node.config.limits)
    with _client(site) as client:
        too_big = client.post(
            "/verify", files=[("credential", ("big.json", b" " * (cap + 1), "application/json"))]
        )
        not_form = client.post("/verify", content=b"{}", headers={"content-type": "text/plain"})
        no_file = client.post("/verify", data={"x": "1"}, files=[("receipt", ("r", b"", "a/b"))])
        not_json = client.post("/verify", files=[("credential", ("c", b"not json", "a/b"))])
        get_verify = client.get("/verify")
    assert too_big.status_code == 413
    assert not_form.status_code == 415
    assert no_file.status_code == 400
    assert not_json.status_code == 200
    assert "This file is not a usable credential" in not_json.text
    assert get_verify.status_code == 405


def test_dataset_pages_need_a_registered_certificate(site: Site) -> None:
    uuid = site.files.name.removeprefix("datasets/")
    with _client(site) as anonymous:
        assert anonymous.get(f"/datasets/{uuid}").status_code == 401
    with _client(site, "stranger") as stranger:
        assert stranger.get(f"/datasets/{uuid}").status_code == 403
    with _client(site, "exporter") as exporter:
        page = exporter.get(f"/datasets/{uuid}")
        raw = exporter.get(f"/datasets/{uuid}/credential")
        index = page.text.split("receipts/", 1)[1].split('"', 1)[0]
        receipt = exporter.get(f"/datasets/{uuid}/receipts/{index}")
        other = exporter.get(f"/datasets/{uuid}/receipts/999")
    assert page.status_code == 200
    assert "accepted" in page.text
    assert raw.content == site.files.submitted.read_bytes()
    assert raw.headers["content-disposition"].startswith("attachment")
    assert receipt.status_code == 200
    assert receipt.json()["logIndex"] == int(index)
    assert other.status_code == 404


def _files_under(*roots: Path) -> set[Path]:
    return {Path(d) / n for root in roots for d, _, names in os.walk(root) for n in names}


def test_nothing_uploaded_is_stored_or_logged(
    site: Site, caplog: pytest.LogCaptureFixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile  # noqa: PLC0415

    # The server runs in this process: a private temp dir sees any spooled upload, and nothing
    # else that runs on the machine meanwhile (the system temp dir is shared).
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    watched = (site.harness.paths.root, private)
    before = _files_under(*watched)
    log_size = site.harness.log_size()
    caplog.set_level(logging.DEBUG)
    with _client(site) as client:
        answer = _post(client, site.files.tampered, site.files.receipt)
    assert answer.status_code == 200
    assert _files_under(*watched) - before == set()
    assert site.harness.log_size() == log_size
    secrets = ("6.24", "LFP-75", "pcfExcludingBiogenicUptake")
    for record in caplog.records:
        assert not any(s in record.getMessage() for s in secrets), record.getMessage()


def test_offline_app_checks_receipts_with_the_given_keys(site: Site) -> None:
    key = NoteKey.from_text(site.harness.paths.root.joinpath("log.vkey").read_text())
    f = site.files
    with TestClient(offline_app([key])) as client:
        page = client.get("/?lang=en")
        verdict = _post(client, f.submitted, f.receipt)
    with TestClient(offline_app([])) as client:
        unknown = _post(client, f.submitted, f.receipt)
    assert "Offline mode" in page.text
    assert '<h1 id="verdict">Verified</h1>' in verdict.text
    assert "included" in verdict.text
    assert "UNKNOWN_LOG" in unknown.text
