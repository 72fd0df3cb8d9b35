"""The web verification page (issue 17): drop a credential, read a plain verdict.

`app` (routes), `verdict` (the pure decision), `figures` (the footprint table), `i18n`
(English and Chinese), `upload` (in-memory, capped uploads), `datasets` (a node's dataset pages),
`serving` (uvicorn, HTTPS with the node's certificate).
"""
