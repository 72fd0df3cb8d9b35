"""A harness node that can be stopped, changed on disk or in its store, and started again.

`prepared` builds the node of `tests.helpers.nodes.make_node` with config.json naming
`store_url`, so the server and every `cfx` command on the directory use the same store;
`serving` runs it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from gateway.app import open_node, start
from gateway.node import NodePaths, load_config, save_config
from signing.keys import PrivateKey
from tests.helpers.nodes import Harness, make_node


@dataclass(frozen=True)
class NodeDir:
    paths: NodePaths
    exporter_key: PrivateKey
    identities: dict[str, Path]
    store_url: str


def prepared(root: Path, store_url: str) -> NodeDir:
    """The harness node directory on `store_url`, run once and stopped."""

    def use_store(paths: NodePaths) -> None:
        save_config(paths, replace(load_config(paths), store=store_url))

    runs = make_node(root, configure=use_store)
    first = next(runs)
    for _ in runs:  # finish the generator: stops the server and closes the node
        pass
    return NodeDir(first.paths, first.exporter_key, first.identities, store_url)


@contextmanager
def serving(node_dir: NodeDir) -> Iterator[Harness]:
    node = open_node(node_dir.paths.root)
    server = start(node, listen="127.0.0.1:0")
    try:
        yield Harness(node_dir.paths, node, server, node_dir.exporter_key, node_dir.identities)
    finally:
        server.stop(0)
        node.close()
