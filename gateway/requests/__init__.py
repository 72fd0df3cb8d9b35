"""Footprint requests (issue 14): PACT v3's asynchronous request flow across the federation.

`machine` is the pure state machine, `directory` the pure routing table, `matching` the pure
check of a fulfilment against the criteria and the usage policy; `relay` and
`gateway.rpc.requests` are the I/O around them, `gateway.store.request_state` their tables.
"""
