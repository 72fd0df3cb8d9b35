"""A PACT footprint file taken as it is: recognised by its `specVersion`, read as a cfx dataset.

A PACT v3 ProductFootprint (pact-v3.md §1.4) differs from a cfx ProductFootprint dataset only in
what JSON-LD needs: its ids are bare UUIDs, where a JSON-LD `@id` must be an absolute IRI
(`urn:uuid:`), and it has no `type`, which selects the cfx context's ProductFootprint terms
(without it a signer finds `comment`, `pcf`, ... undefined). Both are added, with a note each, by
`pact_v3_to_dataset`; nothing is dropped. `cfx validate`, `cfx sign` and `cfx submit` call
`dataset_from_pact_file` on every input.
"""

from __future__ import annotations

import re
from typing import Any

from schemas.errors import TranslationError
from schemas.translate.identifiers import uuid_urn
from schemas.translate.notes import CONVERTED, DEFAULTED, Translation, join
from schemas.translate.pact import pact_v3_to_dataset

# pact-v3.md §1.1: the specVersion pattern of PACT 2.x and 3.x, `^\d+\.\d+\.\d+(-\d{8})?$`.
_SPEC_VERSION = re.compile(r"(?P<major>[0-9]+)\.[0-9]+\.[0-9]+(-[0-9]{8})?")
SOURCE = "pact-v3"


def pact_spec_version(document: Any) -> str | None:
    """The PACT `specVersion` of a plain PACT footprint; None for anything else.

    A cfx dataset names its kind in `type` and a credential has `@context`/`credentialSubject`:
    neither is a PACT file, whatever specVersion it carries.
    """
    if not isinstance(document, dict) or not isinstance(document.get("pcf"), dict):
        return None
    if any(name in document for name in ("type", "@context", "credentialSubject")):
        return None
    version = document.get("specVersion")
    if isinstance(version, str) and _SPEC_VERSION.fullmatch(version):
        return version
    return None


def dataset_from_pact_file(document: Any) -> Translation | None:
    """`document` as a cfx ProductFootprint dataset if it is a PACT v3 footprint file, with a
    note for every member that was converted; None if it is not a PACT file (use it as it is).

    Raises TranslationError for a PACT file of another major version: its figures have another
    basis (ADR-36), so it is converted explicitly (`cfx convert --from pact-v2 --to cfx`).
    """
    version = pact_spec_version(document)
    if version is None:
        return None
    match = _SPEC_VERSION.fullmatch(version)
    if match is None or match["major"] != "3":
        raise TranslationError(
            f"a PACT {version} footprint cannot be taken as it is, only PACT 3.x: convert it "
            "first with `cfx convert --from pact-v2 --to cfx`"
        )
    result = pact_v3_to_dataset(document)
    _note_identity(document, result)
    return result


def _note_identity(source: dict[str, Any], result: Translation) -> None:
    """Say what became of `id`, `precedingPfIds` and `type`, unless the translation already did."""
    noted = {note.pointer for note in result.notes}
    out = result.document
    if "/type" not in noted:
        result.note(
            "/type",
            DEFAULTED,
            f"set to {out.get('type')!r}: PACT has no type; it selects the cfx context's terms",
        )
    ids = [("/id", source.get("id"), out.get("id"))]
    preceding = source.get("precedingPfIds")
    for index, value in enumerate(preceding if isinstance(preceding, list) else []):
        urn = uuid_urn(value) if isinstance(value, str) else None
        ids.append((join("/precedingPfIds", index), value, urn))
    for at, before, after in ids:
        if at not in noted and after is not None and before != after:
            result.note(
                at, CONVERTED, f"{before!r} -> {after!r}: a JSON-LD @id must be an absolute IRI"
            )
