"""Identifier normalisation shared by the translations (URNs and UUIDs)."""

from __future__ import annotations

import re
from urllib.parse import quote

# Same grammar as defs.schema.json#/$defs/Urn (RFC 8141).
URN_RE = re.compile(
    r"[uU][rR][nN]:[A-Za-z0-9][A-Za-z0-9-]{0,30}[A-Za-z0-9]:[A-Za-z0-9()+,\-.:=@;$_!*'%/~&]+"
)
UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# Catena-X business partner numbers (BPNL/BPNS/BPNA + 12 characters) written as "urn:BPNL...".
_BARE_BPN_RE = re.compile(r"urn:(BPN[LSA][A-Za-z0-9]{12})", re.IGNORECASE)
LEGACY_PREFIX = "urn:pact:cfx.example:legacy-id:"


def normalize_urn(value: str) -> tuple[str, bool]:
    """(URN, changed). A valid RFC 8141 URN is kept; a bare BPN gets Catena-X's `urn:bpn:id:`
    form; anything else (a URL, an invalid URN) is wrapped, percent-encoded, under
    LEGACY_PREFIX so the original stays recoverable.
    """
    if URN_RE.fullmatch(value):
        return value, False
    bpn = _BARE_BPN_RE.fullmatch(value)
    if bpn:
        return "urn:bpn:id:" + bpn.group(1).upper(), True
    return LEGACY_PREFIX + quote(value, safe=""), True


def uuid_urn(value: str) -> str | None:
    """`urn:uuid:<lower-case uuid>` for a UUID (bare or already a urn:uuid:), else None."""
    bare = value[len("urn:uuid:") :] if value.lower().startswith("urn:uuid:") else value
    return "urn:uuid:" + bare.lower() if UUID_RE.fullmatch(bare) else None


def bare_uuid(value: str) -> str | None:
    """The lower-case UUID inside `value` (bare or urn:uuid:), or None if it holds none."""
    urn = uuid_urn(value)
    return urn[len("urn:uuid:") :] if urn else None
