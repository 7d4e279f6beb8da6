"""Data the tests share: small registries and the table of gap-rule boundaries."""
