"""The CLI says one thing one way, and says what to do: messages, JSON shape, new commands.

Against a real node (real gRPC and mTLS, SQLite) where a node is involved.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import schemas
from gateway.cli import main
from gateway.cli._io import plural
from gateway.node import NodePaths, load_trust
from signing.keys import generate_key, save_key
from tests.helpers.nodes import EXPORTER, Harness, example, make_node
from tests.helpers.schemas_data import BATTERY

LAPTOP = "valid/product-footprint-electronics-laptop.json"
DEPRECATION = "valid/status-update-deprecate-footprint.json"
CAMEL = re.compile(r"^@?[a-z][a-zA-Z0-9]*$")


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Harness]:
    yield from make_node(tmp_path)


def _bare(relative: str) -> dict[str, Any]:
    """An example's dataset on its own (no envelope), as an exporter's system writes it."""
    credential = example(relative)
    return {"@context": credential["@context"], **credential["credentialSubject"]}


def _battery() -> dict[str, Any]:
    """The battery footprint example as a new dataset (its own credential and dataset ids)."""
    document = example(BATTERY)
    document["id"] = f"urn:uuid:{uuid.uuid4()}"
    document["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
    return document


def _remote(node: Harness, who: str = "exporter") -> list[str]:
    return ["--server", node.address, "--client-cert", str(node.identities[who])]


def _keyfile(node: Harness, tmp_path: Path) -> Path:
    path = tmp_path / "exporter.key"
    save_key(node.exporter_key, path)
    return path


def _json_shape(value: Any, where: str = "") -> None:
    """camelCase keys everywhere; a number never written as a string of digits."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert CAMEL.match(key), f"{where}/{key}: not camelCase"
            _json_shape(item, f"{where}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _json_shape(item, f"{where}/{index}")
    else:
        assert not (isinstance(value, str) and value.isdigit()), f"{where}: number as string"


# -- sign ----------------------------------------------------------------------------------------


def test_sign_many_files_into_a_directory_each_with_a_urn_uuid_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = generate_key("ed25519")
    save_key(key, tmp_path / "k.key")
    inputs = []
    for index in range(3):
        path = tmp_path / f"fp{index}.json"
        path.write_text(json.dumps(_bare(LAPTOP)))
        inputs.append(str(path))
    out = tmp_path / "signed"
    assert main(["sign", "--key", str(tmp_path / "k.key"), "-o", str(out), *inputs]) == 0
    assert "3 files signed" in capsys.readouterr().err
    ids = set()
    for index in range(3):
        signed = json.loads((out / f"fp{index}.json").read_text())
        assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", signed["id"])
        assert signed["issuer"] == key.did
        assert main(["verify", str(out / f"fp{index}.json")]) == 0
        ids.add(signed["id"])
    assert len(ids) == 3


def test_sign_refuses_an_invalid_dataset_unless_no_validate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    save_key(generate_key("ed25519"), tmp_path / "k.key")
    bad = _bare(LAPTOP)
    bad["pcf"]["declaredUnitAmount"] = "0"
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    argv = ["sign", "--key", str(tmp_path / "k.key"), str(tmp_path / "bad.json")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "is not a valid dataset (1 violation," in err
    assert "MUST_BE_POSITIVE" in err
    assert "--no-validate" in err
    assert main([*argv, "--no-validate", "-o", str(tmp_path / "out.json")]) == 0


def test_several_inputs_need_an_output_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    save_key(generate_key("ed25519"), tmp_path / "k.key")
    (tmp_path / "a.json").write_text(json.dumps(_bare(LAPTOP)))
    assert main(["sign", "--key", str(tmp_path / "k.key"), *[str(tmp_path / "a.json")] * 2]) == 2
    assert "give -o DIR" in capsys.readouterr().err


# -- messages ------------------------------------------------------------------------------------


def test_zero_declared_unit_amount_is_must_be_positive() -> None:
    document = example(LAPTOP)
    document["credentialSubject"]["pcf"]["declaredUnitAmount"] = "0"
    reasons = {v.reason for v in schemas.validate(document)}
    assert reasons == {"MUST_BE_POSITIVE"}
    assert "SIGN_VIOLATION" not in schemas.REASONS if hasattr(schemas, "REASONS") else True


def test_plurals_are_right() -> None:
    assert [plural(1, "violation"), plural(2, "violation")] == ["1 violation", "2 violations"]
    assert [plural(1, "entry"), plural(3, "entry"), plural(2, "key")] == [
        "1 entry",
        "3 entries",
        "2 keys",
    ]


def test_verify_of_a_non_json_file_names_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# cfx\n")
    assert main(["verify", str(readme)]) == 2
    err = capsys.readouterr().err
    assert f"{readme} is not JSON" in err


def test_submitting_an_unsigned_file_says_sign_it_first(
    node: Harness, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    unsigned = tmp_path / "fp.json"
    unsigned.write_text(json.dumps(example(LAPTOP)))
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(_bare(LAPTOP)))
    size = node.log_size()
    assert main(["submit", *_remote(node), str(unsigned), str(bare)]) == 2
    err = capsys.readouterr().err
    assert f"{unsigned} has no proof: sign it first with `cfx sign" in err
    assert f"{bare} is a bare dataset with no proof: sign it first" in err
    assert "@context" not in err
    assert node.log_size() == size


def test_submit_refuses_a_status_update_and_points_to_deprecate(
    node: Harness, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    update = tmp_path / "update.json"
    update.write_bytes(node.sign(example(DEPRECATION)))
    size = node.log_size()
    assert main(["submit", *_remote(node), str(update)]) == 2
    err = capsys.readouterr().err
    assert "is a StatusUpdate" in err
    assert "cfx deprecate" in err
    assert "cfx withdraw" in err
    assert node.log_size() == size


# -- deprecate, withdraw, and the JSON shape ------------------------------------------------------


def _submit(node: Harness, tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]) -> str:
    path = tmp_path / name
    path.write_bytes(node.sign(_battery()))
    assert main(["submit", "--json", *_remote(node), str(path)]) == 0
    body = json.loads(capsys.readouterr().out)
    _json_shape(body)
    assert body["dataset"]["kind"] == "ProductFootprint"
    assert isinstance(body["dataset"]["logIndex"], int)
    return str(body["dataset"]["name"])


def test_deprecate_and_withdraw_sign_and_send_the_status_update(
    node: Harness, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new, wrong = (_submit(node, tmp_path, f"{n}.json", capsys) for n in ("old", "new", "w"))
    key = str(_keyfile(node, tmp_path))
    assert main(["deprecate", *_remote(node), "--key", key, old, "--successor", new]) == 0
    assert f"{old}: deprecated" in capsys.readouterr().out
    assert main(["withdraw", *_remote(node), "--key", key, wrong, "--message", "bad meter"]) == 0
    assert f"{wrong}: withdrawn" in capsys.readouterr().out
    assert main(["list", "--json", *_remote(node), "--kind", "ProductFootprint"]) == 0
    listing = json.loads(capsys.readouterr().out)
    _json_shape(listing)
    status = {d["name"]: d["status"] for d in listing["datasets"]}
    assert status[old] == "deprecated"
    assert status[wrong] == "withdrawn"
    assert status[new] == "active"
    assert isinstance(listing["checkpoint"]["size"], int)
    assert main(["list", *_remote(node)]) == 0
    text = capsys.readouterr().out
    assert "ProductFootprint" in text
    assert "PRODUCT_FOOTPRINT" not in text


def test_watch_json_is_camel_case_with_numbers(
    node: Harness, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _submit(node, tmp_path, "fp.json", capsys)
    assert main(["watch", "--json", *_remote(node), "--for", "1"]) == 0
    records = [
        json.loads(chunk) for chunk in re.split(r"\n(?=\{)", capsys.readouterr().out) if chunk
    ]
    assert records
    for record in records:
        _json_shape(record)
        assert record["change"] == "accepted"


# -- trust add --key -----------------------------------------------------------------------------


def test_trust_add_reads_the_did_from_a_key_file(
    node: Harness, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = generate_key("p256")
    save_key(key, tmp_path / "second.key")
    directory = str(node.paths.root)
    argv = ["trust", "add", "--dir", directory, "--org", EXPORTER, "--role", "exporter"]
    assert main([*argv, "--key", str(tmp_path / "second.key")]) == 0
    assert key.did in capsys.readouterr().out
    (tmp_path / "did.txt").write_text(generate_key("ed25519").did + "\n")
    assert main([*argv, "--key", str(tmp_path / "did.txt")]) == 0
    capsys.readouterr()
    organization = next(o for o in load_trust(NodePaths(node.paths.root)).organizations
                        if o.name == EXPORTER)  # fmt: skip
    assert key.did in {k.did for k in organization.keys}
    assert main(["trust", "list", "--json", "--dir", directory]) == 0
    _json_shape(json.loads(capsys.readouterr().out))


# -- progress ------------------------------------------------------------------------------------


def test_bulk_submit_off_a_terminal_prints_no_progress(
    node: Harness, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = []
    for index in range(3):
        path = tmp_path / f"fp{index}.json"
        path.write_bytes(node.sign(_battery()))
        files.append(str(path))
    assert main(["submit", *_remote(node), *files]) == 0
    captured = capsys.readouterr()
    assert "\r" not in captured.out + captured.err
    assert "\x1b" not in captured.out + captured.err
    assert len(captured.out.splitlines()) >= 3


_PTY_SCRIPT = """
import sys
from gateway.cli._progress import progress
with progress(3, "submitting") as advance:
    for name in ("a.json", "b.json", "c.json"):
        advance(name)
        print(f"{name}: accepted", flush=True)
print("done", flush=True)
"""


def test_progress_bar_on_a_terminal_is_cleared(tmp_path: Path) -> None:
    """In a pseudo-terminal the bar is drawn, the command's lines stay whole, and the bar is
    erased at the end (nothing of it left after the last line)."""
    import pty  # noqa: PLC0415 - POSIX only, as the CLI's terminal handling

    primary, secondary = pty.openpty()
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm"}
    process = subprocess.Popen(
        [sys.executable, "-c", _PTY_SCRIPT], stdout=secondary, stderr=secondary, env=env
    )
    os.close(secondary)
    output = b""
    while True:
        try:
            chunk = os.read(primary, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    assert process.wait(timeout=30) == 0
    os.close(primary)
    text = output.decode("utf-8", "replace")
    for name in ("a.json", "b.json", "c.json"):
        assert f"{name}: accepted" in text
    assert "submitting" in text  # the bar was drawn on the terminal
    assert text.rstrip().endswith("done")
    # The bar's last frame is erased (rich's transient stop: cursor up, erase line) before
    # "done", so no stale progress line stays on the screen above the next output.
    tail = text[text.rindex("c.json: accepted") : text.rindex("done")]
    assert "\x1b[2K" in tail
