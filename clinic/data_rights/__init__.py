"""A client's rights and the operator's duties: export, erasure, backup, key rotation."""
