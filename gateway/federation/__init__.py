"""Federation (issue 12, DESIGN.md §5): what moves between provincial, national and registry nodes.

One module per job: `policy` decides who may receive a dataset (the issuer's signed usage
policy); `errors` holds the package's error sub-root, `FederationError`.
"""
