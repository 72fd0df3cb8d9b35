"""The token flow (pact-v3.md §2.2) over real HTTPS: discovery, valid, invalid, expired,
rate-limited; HTTPS only."""

from __future__ import annotations

import httpx

from gateway.pact.auth import TokenIssuer
from gateway.pact.clients import PactClient
from tests.integration.pact.conftest import BUYER, BUYER_ORG, BUYER_SECRET, Pact


def test_discovery_names_the_token_endpoint_and_a_valid_secret_gets_a_bearer_token(
    pact: Pact,
) -> None:
    with pact.http() as http:
        config = http.get("/.well-known/openid-configuration").json()
        assert config["token_endpoint"] == f"{pact.base}/auth/token"
        answer = http.post(
            config["token_endpoint"],
            data={"grant_type": "client_credentials"},
            auth=(BUYER, BUYER_SECRET),
        )
    body = answer.json()
    assert (answer.status_code, body["token_type"], body["expires_in"]) == (200, "Bearer", 3600)
    assert pact.get("/3/footprints", token=body["access_token"]).status_code == 200


def test_a_wrong_secret_or_unknown_client_gets_invalid_client(pact: Pact) -> None:
    with pact.http() as http:
        for auth in [(BUYER, "wrong-secret-000000"), ("nobody", BUYER_SECRET)]:
            answer = http.post("/auth/token", data={"grant_type": "client_credentials"}, auth=auth)
            assert (answer.status_code, answer.json()["error"]) == (401, "invalid_client")
        wrong_grant = http.post(
            "/auth/token", data={"grant_type": "password"}, auth=(BUYER, BUYER_SECRET)
        )
        assert wrong_grant.json()["error"] == "unsupported_grant_type"


def test_missing_forged_and_expired_tokens_get_401(pact: Pact) -> None:
    assert pact.get("/3/footprints", token="not.a-token").status_code == 401
    with pact.http() as http:
        assert http.get("/3/footprints").status_code == 401
    stale = TokenIssuer(pact.host.tokens.key, clock=lambda: 0.0).issue(PactClient(BUYER, BUYER_ORG))
    expired = pact.get("/3/footprints", token=stale)
    assert (expired.status_code, expired.json()["code"]) == (401, "TokenExpired")
    other_key = TokenIssuer(b"k" * 32).issue(PactClient(BUYER, BUYER_ORG))
    assert pact.get("/3/footprints", token=other_key).status_code == 401


def test_repeated_failures_are_rate_limited_even_with_the_right_secret_after(pact: Pact) -> None:
    with pact.http() as http:
        for _ in range(pact.host.limiter.max_failures):
            http.post(
                "/auth/token", data={"grant_type": "client_credentials"}, auth=("guessed", "x" * 16)
            )
        limited = http.post(
            "/auth/token", data={"grant_type": "client_credentials"}, auth=("guessed", "x" * 16)
        )
        assert limited.status_code == 429
        # the same address is limited for every client id (guessing across ids)
        blocked = http.post(
            "/auth/token", data={"grant_type": "client_credentials"}, auth=(BUYER, BUYER_SECRET)
        )
        assert blocked.status_code == 429
    pact.host.limiter._failures.clear()  # other tests of this module log in from this address


def test_plain_http_is_never_answered_with_content_or_a_redirect(pact: Pact) -> None:
    try:
        answer = httpx.get(f"http://127.0.0.1:{pact.server.port}/3/footprints", timeout=5)
    except httpx.HTTPError:
        return  # the TLS server drops a plain-HTTP request
    assert answer.status_code >= 400
    assert "location" not in answer.headers


def test_client_secrets_are_stored_hashed_owner_only(pact: Pact) -> None:
    path = pact.harness.paths.root / "pact" / "clients.json"
    assert BUYER_SECRET not in path.read_text(encoding="utf-8")
    assert path.stat().st_mode & 0o077 == 0
