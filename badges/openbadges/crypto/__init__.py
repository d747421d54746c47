"""Signing and verifying Open Badges 3.0 credentials, with no database and no network.

- ``data_integrity``: embedded proofs, eddsa-rdfc-2022 (Ed25519 over RDFC-1.0 canonical N-Quads).
- ``jwt``: VC-JWT external proofs, RS256.
- ``contexts``: the JSON-LD contexts bundled in ``badges/contexts/``, and the loader that serves only them.
- ``multibase``: base58btc multibase and Multikey encodings of Ed25519 keys.

Keys come from ``badges.keys``.
"""
