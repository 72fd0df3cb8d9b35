"""What every `cfx … --help` shows besides the options: defaults, and worked examples.

The examples live here, one entry per command path, so that a test can walk every registered
parser and find one (tests/integration/cli/test_help.py), and a new sub-command without an example
fails that test rather than shipping a bare help page. Paths below are those a node directory made
by `cfx init` and `cfx clients add` has (NODE/log.vkey, NODE/clients/NAME/…) and the examples the
repository ships (schemas/examples/valid/).
"""

from __future__ import annotations

import argparse
import sys

_FP = "schemas/examples/valid/product-footprint-electronics-laptop.json"
_CLIENT = "--client-cert national/clients/admin"

#: Command path ("trust add") -> example command lines shown under "Example:" in its help.
EXAMPLES: dict[str, tuple[str, ...]] = {
    "": ("cfx demo", "cfx init --dir national --role national --org ndrc"),
    "demo": ("cfx demo", "cfx demo --keep ./demo-nodes"),
    "init": ("cfx init --dir national --role national --org ndrc --listen 127.0.0.1:7443",),
    "clients": ("cfx clients add --dir national --org acme --role exporter --out acme-id",),
    "clients add": ("cfx clients add --dir national --org acme --role exporter --out acme-id",),
    "clients renew": ("cfx clients renew --dir national --out acme-id",),
    "trust": ("cfx trust add --dir national --org acme --role exporter --key acme.key",),
    "trust add": (
        "cfx trust add --dir national --org acme --role exporter --key acme.key",
        "cfx trust add --dir national --org acme --role exporter --display-name 'ACME Ltd'",
    ),
    "trust revoke": ("cfx trust revoke --dir national --did did:key:z6Mk…",),
    "trust list": ("cfx trust list --dir national --json",),
    "peers": ("cfx peers list --dir national",),
    "peers add": (
        (
            "cfx peers add --dir national --name sichuan --address 127.0.0.1:7444 "
            "--identity national/peers/sichuan --log-key sichuan/log.vkey"
        ),
    ),
    "peers remove": ("cfx peers remove --dir national --name sichuan",),
    "peers list": ("cfx peers list --dir national --json",),
    "peers release": ("cfx peers release --dir national --name sichuan",),
    "keys": ("cfx keys generate --out acme.key",),
    "keys generate": (
        "cfx keys generate --out acme.key",
        "cfx keys generate --type p256 --out a.key",
    ),
    "keys show": ("cfx keys show acme.key",),
    "sign": (
        f"cfx sign --key acme.key -o signed.json {_FP}",
        "cfx sign --key acme.key -o signed/ footprints/*.json",
    ),
    "verify": (
        "cfx verify signed.json",
        "cfx verify signed.json --receipt receipt.json --log-key national/log.vkey",
    ),
    "serve": ("cfx serve --dir national", "cfx serve --dir national --web-listen 127.0.0.1:8080"),
    "sync": ("cfx sync --dir national", "cfx sync --dir national --peer sichuan --json"),
    "submit": (f"cfx submit {_CLIENT} signed.json", f"cfx submit {_CLIENT} --key acme.key {_FP}"),
    "get": (
        f"cfx get {_CLIENT} datasets/UUID -o fp.json --receipt receipt.json",
        f"cfx get {_CLIENT} datasets/UUID --with-receipts chain/",
    ),
    "list": (f"cfx list {_CLIENT} --kind ProductFootprint --status active",),
    "watch": (f"cfx watch {_CLIENT} --from 0 --for 60",),
    "deprecate": (
        f"cfx deprecate {_CLIENT} --key acme.key datasets/UUID --successor datasets/UUID2",
    ),
    "withdraw": (f"cfx withdraw {_CLIENT} --key acme.key datasets/UUID --reason error-in-data",),
    "search": (f"cfx search {_CLIENT} --product-id urn:gtin:4712345678904 --fan-out",),
    "witness": (
        (
            "cfx witness --dir national --peer 127.0.0.1:7444 "
            "--client-cert national/peers/sichuan --log-key sichuan/log.vkey"
        ),
    ),
    "log": ("cfx log checkpoint --db national/cfx.sqlite3 --log-key national/log.vkey",),
    "log checkpoint": ("cfx log checkpoint --db national/cfx.sqlite3 --log-key national/log.vkey",),
    "log verify-restore": (
        "cfx log verify-restore --dir national --checkpoint kept/checkpoint.note",
    ),
    "log prove": ("cfx log prove --db national/cfx.sqlite3 --index 0 -o receipt.json",),
    "log verify": (
        "cfx log verify --log-key national/log.vkey --receipt receipt.json --credential fp.json",
    ),
    "validate": (f"cfx validate {_FP}", f"cfx validate --profile pact-3.0 --json {_FP}"),
    "convert": (
        (
            "cfx convert --from pact-v3 --to cfx "
            "schemas/examples/valid/product-footprint-pact-v3-sample-copper-cathode.json"
        ),
    ),
    "request": (f"cfx request create {_CLIENT} --owner acme --product-id urn:gtin:4712345678904",),
    "request create": (
        f"cfx request create {_CLIENT} --owner acme --product-id urn:gtin:4712345678904",
    ),
    "request list": (f"cfx request list {_CLIENT} --view owner",),
    "request watch": (f"cfx request watch {_CLIENT} --view owner",),
    "request show": (f"cfx request show {_CLIENT} requests/UUID",),
    "request fulfil": (f"cfx request fulfil {_CLIENT} requests/UUID datasets/UUID",),
    "request reject": (f"cfx request reject {_CLIENT} requests/UUID --code not-available",),
    "web": ("cfx web --listen 127.0.0.1:8080 --log-key national/log.vkey",),
    "pact": ("cfx pact clients list --dir national",),
    "pact clients": ("cfx pact clients list --dir national",),
    "pact clients add": (
        "cfx pact clients add --dir national --org acme --client-id acme --client-secret S3CRET",
    ),
    "pact clients list": ("cfx pact clients list --dir national",),
    "pact clients remove": ("cfx pact clients remove --dir national --client-id acme",),
    "pact partners": ("cfx pact partners list --dir national",),
    "pact partners add": (
        "cfx pact partners add --dir national --org acme --events-url https://acme.example/2/events",
    ),
    "pact partners list": ("cfx pact partners list --dir national",),
    "pact pull": ("cfx pact pull --dir national --partner acme --limit 50",),
    "gec": ("cfx gec conflicts --dir national",),
    "gec conflicts": ("cfx gec conflicts --dir national --all --json",),
}


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions and examples as written (line breaks kept), and each option's default
    appended to its help when it has a meaningful one (not None, False, "" or an empty list)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        shown = default not in (None, False, "", [], argparse.SUPPRESS)
        if shown and action.option_strings and "default" not in text and "%(default)" not in text:
            text += " (default: %(default)s)"
        return text


def commands(
    parser: argparse.ArgumentParser, path: str = ""
) -> list[tuple[str, argparse.ArgumentParser]]:
    """Every parser under `parser` with its command path ("" for `cfx` itself), depth first."""
    found = [(path, parser)]
    for action in parser._actions:  # noqa: SLF001 - argparse has no public walk
        if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
            for name, child in action.choices.items():
                found += commands(child, f"{path} {name}".strip())
    return found


def finish(parser: argparse.ArgumentParser) -> None:
    """Give every parser the formatter and its examples (after the modules registered them)."""
    for path, each in commands(parser):
        each.formatter_class = HelpFormatter
        lines = EXAMPLES.get(path, ())
        if lines and "Example" not in (each.epilog or ""):
            block = "Example:\n" + "\n".join(f"  {line}" for line in lines)
            each.epilog = f"{each.epilog}\n\n{block}" if each.epilog else block


class DeprecatedAlias(argparse.Action):
    """An old spelling of an option, hidden from help: stores into the new option's dest and
    warns once on stderr, so scripts keep working while they are updated."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        self.replacement = str(kwargs.pop("replacement"))
        super().__init__(option_strings, dest, help=argparse.SUPPRESS, **kwargs)  # type: ignore[arg-type]

    def __call__(
        self,
        parser: argparse.ArgumentParser,  # noqa: ARG002 - argparse's Action signature
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        """Store the value as the new option would, and say which option to use."""
        print(
            f"cfx: warning: {option_string} is deprecated; use {self.replacement}",
            file=sys.stderr,
        )
        setattr(namespace, self.dest, values)
