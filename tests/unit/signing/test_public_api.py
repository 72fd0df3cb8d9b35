"""`signing`'s public API is the same object on every access, before and after submodules load."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import signing


@pytest.mark.parametrize("name", signing.__all__)
def test_every_export_is_the_same_object_on_every_access(name: str) -> None:
    first = getattr(signing, name)
    # Importing every submodule must not shadow an export (as `signing.verify` the module once
    # shadowed `signing.verify` the function after its first use).
    for info in pkgutil.walk_packages(signing.__path__, "signing."):
        importlib.import_module(info.name)
    second = getattr(signing, name)
    assert first is second
    assert not isinstance(second, type(signing)), f"signing.{name} is a module"


def test_no_submodule_is_named_like_an_export() -> None:
    submodules = {info.name for info in pkgutil.iter_modules(signing.__path__)}
    assert not submodules & set(signing.__all__)


def test_verify_called_twice_verifies_twice() -> None:
    key = signing.generate_key("ed25519")
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": key.did,
        "credentialSubject": {"id": "urn:uuid:5f1d0c1e-0000-4000-8000-000000000001"},
    }
    signed = signing.sign(document, key)
    assert signing.verify(signed).verified
    assert signing.verify(signed).verified
