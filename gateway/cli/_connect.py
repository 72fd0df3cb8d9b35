"""Opening a client connection for a command, with the identity option named in errors."""

from __future__ import annotations

from pathlib import Path

from gateway.cli._io import InputFileError
from gateway.client import DEFAULT_TIMEOUT, CfxClient, ClientIdentityError


def connect(
    server: str, identity: Path, *, timeout: float = DEFAULT_TIMEOUT, option: str = "--client-cert"
) -> CfxClient:
    """A client for `server`; an unusable identity directory is reported against `option`."""
    try:
        return CfxClient(server, identity, timeout=timeout)
    except ClientIdentityError as exc:
        raise InputFileError(f"{option} {exc.directory}: {exc.problem}", exc.reason) from exc
