"""Federation (issue 12, DESIGN.md §5): what moves between provincial, national and registry nodes.

One module per job: `policy` decides who may receive a dataset (the issuer's signed usage
policy); `peers` is the signed list of peers a node pulls from; `follow` verifies a peer's log
(pure) and `sync` pulls from it; `errors` holds the package's error sub-root, `FederationError`.
"""
