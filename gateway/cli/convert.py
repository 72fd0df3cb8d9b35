"""`cfx convert --from FORMAT --to FORMAT IN [-o OUT] [--json] [--require-lossless]`: translate
a footprint between PACT v2/v3, Catena-X v7/v10, the cfx dataset and the Battery Pass aspect,
offline, and say what did not map 1:1.

Each step calls a translation of `schemas.translate`; a conversion with no direct translation
goes through PACT v3 or the cfx dataset (e.g. Catena-X v10 -> PACT v3 -> cfx), and every note
names the step it comes from. The notes are printed (stderr, or in the --json report); the
converted document goes to OUT, or to stdout.

Exit codes: 0 converted; 1 not lossless (a value was dropped, could not be converted, or changed
meaning) while --require-lossless was given: nothing is written; 2 unusable input (unreadable,
not strict JSON, not the format named by --from, or no route between the two formats).
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from gateway.cli._io import plural, read_json_object, write_json
from schemas.errors import TranslationError
from schemas.translate import (
    Translation,
    TranslationNote,
    catenax_to_pact_v3,
    dataset_to_battery_pass,
    dataset_to_pact_v3,
    pact_v2_to_v3,
    pact_v3_to_dataset,
    pact_v3_to_v2,
)
from schemas.translate.pact_file import dataset_from_pact_file

EXIT_CONVERTED = 0
EXIT_NOT_LOSSLESS = 1

SOURCES = ("pact-v2", "pact-v3", "catenax-v7", "catenax-v10", "cfx")
TARGETS = ("pact-v3", "pact-v2", "cfx", "battery-pass")

Step = Callable[[Any], Translation]
#: The translations one step can make; longer conversions chain them (shortest route first).
STEPS: dict[tuple[str, str], Step] = {
    ("pact-v2", "pact-v3"): pact_v2_to_v3,
    ("pact-v3", "pact-v2"): pact_v3_to_v2,
    ("pact-v3", "cfx"): lambda document: (
        dataset_from_pact_file(document) or pact_v3_to_dataset(document)
    ),
    ("cfx", "pact-v3"): dataset_to_pact_v3,
    ("cfx", "battery-pass"): dataset_to_battery_pass,
    ("catenax-v7", "pact-v3"): catenax_to_pact_v3,
    ("catenax-v10", "pact-v3"): catenax_to_pact_v3,
}
_CATENAX_VERSION = re.compile(r"urn:io\.catenax\.pcf:datamodel:version:([0-9]+)\.")


def register(sub: Any) -> None:
    """Add `cfx convert` to the command parser."""
    parser = sub.add_parser(
        "convert",
        help="translate a footprint between PACT, Catena-X, cfx and Battery Pass formats",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--from", dest="source", required=True, choices=SOURCES, help="the input's format"
    )
    parser.add_argument(
        "--to", dest="target", required=True, choices=TARGETS, help="the output's format"
    )
    parser.add_argument("input", metavar="IN", help="the document to convert ('-': stdin)")
    parser.add_argument("-o", "--output", type=Path, metavar="OUT", help="default: stdout")
    parser.add_argument(
        "--require-lossless",
        action="store_true",
        help="exit 1 and write nothing unless the conversion is lossless",
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON report (notes, and the document "
        "unless -o is given) on stdout",
    )  # fmt: skip
    parser.set_defaults(func=run)


def route(source: str, target: str) -> list[tuple[str, str]]:
    """The shortest chain of STEPS from `source` to `target`; TranslationError if there is none."""
    if source == target:
        raise TranslationError(f"--from and --to are both {source}: nothing to convert")
    paths: deque[list[str]] = deque([[source]])
    seen = {source}
    while paths:
        path = paths.popleft()
        for start, end in STEPS:
            if start == path[-1] and end not in seen:
                if end == target:
                    found = [*path, end]
                    return list(itertools.pairwise(found))
                seen.add(end)
                paths.append([*path, end])
    raise TranslationError(f"no conversion from {source} to {target}")


def _check_catenax_version(source: str, document: dict[str, Any]) -> None:
    """Refuse a Catena-X document of another model version than --from names."""
    scope = document.get("scopeOfPcfForm")
    nested = scope[0] if isinstance(scope, list) and scope and isinstance(scope[0], dict) else {}
    for holder in (document, nested):
        declared = holder.get("specVersion")
        match = _CATENAX_VERSION.match(declared) if isinstance(declared, str) else None
        if match is not None and f"catenax-v{match.group(1)}" != source:
            raise TranslationError(
                f"the input is a Catena-X v{match.group(1)} PCF ({declared}), not {source}"
            )


def convert(document: dict[str, Any], source: str, target: str) -> tuple[Any, list[dict[str, str]]]:
    """`document` converted from `source` to `target`, and every step's notes (each naming its
    step). TranslationError when the input cannot be converted at all."""
    if source.startswith("catenax-"):
        _check_catenax_version(source, document)
    notes: list[dict[str, str]] = []
    current: Any = document
    for start, end in route(source, target):
        step = f"{start}->{end}"
        translated = STEPS[start, end](current)
        notes.extend({"step": step, **note_dict(note)} for note in translated.notes)
        current = translated.document
    return current, notes


def note_dict(note: TranslationNote) -> dict[str, str]:
    """A translation note as the JSON object the CLI prints."""
    return {"pointer": note.pointer, "reason": note.reason, "message": note.message}


def note_lines(notes: Sequence[TranslationNote | dict[str, str]]) -> list[str]:
    """One indented line per note: pointer, reason, message (and the step, when chained)."""
    lines = []
    for note in notes:
        entry = note if isinstance(note, dict) else note_dict(note)
        step = f"[{entry['step']}] " if "step" in entry else ""
        lines.append(f"  {step}{entry['pointer'] or '/'}  {entry['reason']}  {entry['message']}")
    return lines


def pact_file_as_dataset(document: dict[str, Any], label: str, out: TextIO) -> dict[str, Any]:
    """`document`, or the cfx dataset a PACT v3 file stands for, saying on `out` what was
    converted (`cfx sign` and `cfx submit` take PACT files as they are)."""
    converted = dataset_from_pact_file(document)
    if converted is None:
        return document
    print(f"{label}: read as a cfx dataset from pact-v3:", file=out)
    print("\n".join(note_lines(converted.notes)), file=out)
    return converted.document


def _lossless(notes: list[dict[str, str]]) -> bool:
    # Translation.lossless decides which reasons lose information; ask it, never restate it.
    kept = [TranslationNote(n["pointer"], n["reason"], n["message"]) for n in notes]
    return Translation({}, kept).lossless


def run(args: argparse.Namespace) -> int:
    """`cfx convert`: translate IN, print the notes, write the result unless it is refused."""
    document = read_json_object(args.input)
    converted, notes = convert(document, args.source, args.target)
    lossless = _lossless(notes)
    refused = args.require_lossless and not lossless
    if not refused and args.output is not None:
        write_json(converted, args.output)
    if args.json:
        report: dict[str, Any] = {
            "from": args.source, "to": args.target, "lossless": lossless, "written": not refused,
            "output": str(args.output) if args.output is not None else None, "notes": notes,
        }  # fmt: skip
        if not refused and args.output is None:
            report["document"] = converted
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        summary = "lossless" if lossless else "NOT lossless"
        verdict = "; refused (--require-lossless), nothing written" if refused else ""
        heading = f"{args.input}: {args.source} -> {args.target}, {plural(len(notes), 'note')}"
        print(f"{heading}, {summary}{verdict}", file=sys.stderr)
        if notes:
            print("\n".join(note_lines(notes)), file=sys.stderr)
        if not refused and args.output is None:
            write_json(converted, None)
    return EXIT_NOT_LOSSLESS if refused else EXIT_CONVERTED
