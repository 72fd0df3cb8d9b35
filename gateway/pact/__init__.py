"""PACT v3 host system (pact-v3.md §2): the cfx store, trust and usage policy over HTTPS."""
