"""Audit: the hash-chained audit log and its verification, the readable log and the access
review, attestations (frozen gap reports) and the evidence downloads, refusals, and the
provenance stamp of every download."""
