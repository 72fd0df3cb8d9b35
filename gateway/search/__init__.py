"""Distributed search (issue 14): the pure query, matching and merging rules (`query`, `merge`),
and the I/O around them: the store query (gateway.store.search_query), the local search and
the fan-out to peers (`local`, `fanout`), and the gRPC edge (gateway.rpc.search)."""
