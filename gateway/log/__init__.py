"""The transparency log: an append-only RFC 9162 Merkle log with signed checkpoints and receipts.

Pure modules (no I/O): `merkle` (hashing, proofs), `checkpoint` (signed notes), `entry` (leaf
encoding), `receipt` (offline verification), `listing` (a list answer bound to one checkpoint),
`witness` (co-signing core). `sql` holds the tables and queries the dataset stores run inside
their own transactions. Errors: `errors.LogError` tree.
"""
