"""The one HTTP runner (gateway.http.server): start() returns only once uvicorn accepts
connections, a listener that cannot start fails loudly, stop is graceful and bounded."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from gateway.http.compose import Part
from gateway.http.listen import ListenError
from gateway.http.listeners import Offer, bind_all
from gateway.http.server import HttpServer, Tls, serve
from gateway.web.sites import offline_app

STARTS = 20


def test_a_page_request_right_after_start_is_never_refused() -> None:
    app = offline_app([])
    for _ in range(STARTS):
        server = serve(app, "127.0.0.1:0")
        try:
            # at once, no retry: a connection racing the startup meets a bound socket that does
            # not listen yet, and is refused
            socket.create_connection(("127.0.0.1", server.port), timeout=10).close()
            answer = httpx.get(server.url, timeout=10)
        finally:
            assert server.stop()
        assert answer.status_code == 200
        assert "<form" in answer.text


def test_a_busy_port_fails_when_the_server_is_made() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ListenError, match=re.escape(f"127.0.0.1:{port}: cannot listen")):
            HttpServer(offline_app([]), f"127.0.0.1:{port}")


def test_unreadable_tls_files_fail_before_serving(tmp_path: Path) -> None:
    tls = Tls(tmp_path / "missing.pem", tmp_path / "missing.key")
    with pytest.raises(ListenError, match="TLS files") as raised:
        HttpServer(offline_app([]), "127.0.0.1:0", tls=tls)
    assert raised.value.reason == "HTTP_LISTEN_FAILED"


def test_not_host_port_is_refused() -> None:
    with pytest.raises(ListenError, match="expected HOST:PORT"):
        HttpServer(offline_app([]), "8080")


def test_parts_sharing_an_address_must_share_a_certificate(tmp_path: Path) -> None:
    page = Part("web page", offline_app([]))
    offers = [
        Offer(page, "127.0.0.1:0", Tls(tmp_path / "a.pem", tmp_path / "a.key"), "--web-listen"),
        Offer(Part("empty", Starlette()), "127.0.0.1:0", None, "--pact-listen"),
    ]
    shared = re.escape("--web-listen and --pact-listen 127.0.0.1:0: they name different")
    with pytest.raises(ListenError, match=shared):
        bind_all(offers)


def test_a_stopped_server_no_longer_accepts() -> None:
    server = serve(offline_app([]), "127.0.0.1:0")
    assert server.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.url, timeout=5)
