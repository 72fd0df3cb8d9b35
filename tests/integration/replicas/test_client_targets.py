"""`--server` and `CfxClient` addresses: one, several replicas, or a gRPC `dns:` target."""

from __future__ import annotations

import pytest

from gateway.client_targets import (
    ServerAddressError,
    channel_target,
    load_balanced,
    parse_addresses,
    probe_addresses,
)


def test_several_addresses_make_one_balanced_channel_over_ip_literals() -> None:
    addresses = parse_addresses(" 127.0.0.1:7443, localhost:7444 ")
    assert addresses == ("127.0.0.1:7443", "localhost:7444")
    assert load_balanced(addresses)
    assert channel_target(addresses) == "ipv4:127.0.0.1:7443,127.0.0.1:7444"
    assert channel_target(parse_addresses(["[::1]:1", "[::1]:2"])) == "ipv6:[::1]:1,[::1]:2"


def test_one_address_stays_as_it_was_and_a_dns_target_is_balanced() -> None:
    assert not load_balanced(parse_addresses("127.0.0.1:7443"))
    assert channel_target(parse_addresses("127.0.0.1:7443")) == "127.0.0.1:7443"
    dns = parse_addresses("dns:///cfx.example.org:7443")
    assert load_balanced(dns)
    assert probe_addresses(dns) == ["cfx.example.org:7443"]


@pytest.mark.parametrize(
    "text", ["", " , ", "127.0.0.1", "127.0.0.1:99999", "dns:///a:1,127.0.0.1:2", "host:port"]
)
def test_unusable_server_addresses_are_refused_before_connecting(text: str) -> None:
    with pytest.raises(ServerAddressError) as caught:
        parse_addresses(text)
    assert caught.value.reason == "INVALID_SERVER_ADDRESS"


def test_addresses_of_two_ip_families_are_refused() -> None:
    with pytest.raises(ServerAddressError, match="one IP family"):
        channel_target(parse_addresses("127.0.0.1:1,[::1]:2"))
