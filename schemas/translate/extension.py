"""The cfx DataModelExtension: how a PACT v3 footprint carries what only cfx has.

PACT v3 lets a footprint carry data outside its model in `extensions[]`, each a
DataModelExtension `{specVersion, dataSchema, documentation?, data}` whose `data` conforms to the
JSON Schema at `dataSchema` (pact-v3.md §1.3; wbcsd data-model-extensions spec). cfx puts every
top-level member of its ProductFootprint that PACT has no field for (the electricity block,
`gbt24067`, `accountingRuleId`, and any block added later) into one such extension, so a PACT
peer keeps them, and a cfx node reading the footprint back gets the same dataset.

Not carried: `type` (PACT has none, it is re-derived) and `usagePolicy`, which says who may read
the dataset on cfx nodes and is not passed on to partners (schemas.translate.pact decides that).
"""

from __future__ import annotations

import copy
from typing import Any

from schemas.translate.notes import CONVERTED, Translation, join

EXTENSION_SPEC_VERSION = "1.0.0"
#: The `$id` of schemas/jsonschema/pact-extension.schema.json, the published schema of `data`.
DATA_SCHEMA = "https://w3id.org/cfx/schemas/v1/pact-extension.schema.json"
EXTENSION_SCHEMA_FILE = "pact-extension.schema.json"

#: Top-level members of a PACT v3 ProductFootprint (pact-v3.md §1.4).
PACT_V3_MEMBERS = frozenset(
    {
        "id", "specVersion", "precedingPfIds", "created", "status", "validityPeriodStart",
        "validityPeriodEnd", "companyName", "companyIds", "productDescription", "productIds",
        "productClassifications", "productNameCompany", "comment", "pcf", "extensions",
    }
)  # fmt: skip
#: cfx members that are not carried at all (see the module docstring).
NOT_CARRIED = frozenset({"type", "usagePolicy", "@context"})


def cfx_only_members(dataset: dict[str, Any]) -> list[str]:
    """The members of a cfx footprint that PACT v3 has no field for, in document order."""
    return [name for name in dataset if name not in PACT_V3_MEMBERS | NOT_CARRIED]


def build_extension(dataset: dict[str, Any]) -> dict[str, Any] | None:
    """The cfx DataModelExtension for `dataset`'s cfx-only members; None when it has none."""
    data = {name: copy.deepcopy(dataset[name]) for name in cfx_only_members(dataset)}
    if not data:
        return None
    return {"specVersion": EXTENSION_SPEC_VERSION, "dataSchema": DATA_SCHEMA, "data": data}


def carry_cfx_extension(source: dict[str, Any], result: Translation) -> None:
    """Move `source`'s cfx-only members out of `result.document` into one more `extensions[]`
    entry, with a note per member saying where it went (nothing is lost)."""
    extension = build_extension(source)
    if extension is None:
        return
    out = result.document
    for name in extension["data"]:
        out.pop(name, None)
    extensions = out.setdefault("extensions", [])
    index = len(extensions)
    extensions.append(extension)
    for name in extension["data"]:
        result.note(
            join("", name),
            CONVERTED,
            f"cfx-only; carried as extensions/{index}/data/{name} (DataModelExtension "
            f"{DATA_SCHEMA})",
        )


def _is_cfx_extension(entry: Any) -> bool:
    return (
        isinstance(entry, dict)
        and entry.get("dataSchema") == DATA_SCHEMA
        and isinstance(entry.get("data"), dict)
    )


def unpack_cfx_extension(result: Translation) -> None:
    """The reverse of `carry_cfx_extension` on a PACT footprint being read as a cfx dataset: the
    cfx extension's members go back to the top level. An extension whose members would overwrite
    a field (or name a PACT one) is left as it is: data is never guessed at."""
    out = result.document
    extensions = out.get("extensions")
    if not isinstance(extensions, list):
        return
    for index, entry in enumerate(extensions):
        if not _is_cfx_extension(entry):
            continue
        data: dict[str, Any] = entry["data"]
        if any(name in out or name in PACT_V3_MEMBERS | NOT_CARRIED for name in data):
            continue
        out.update(copy.deepcopy(data))
        del extensions[index]
        if not extensions:
            del out["extensions"]
        result.note(
            join("/extensions", index),
            CONVERTED,
            f"cfx DataModelExtension unpacked into {', '.join(data)}",
        )
        return
