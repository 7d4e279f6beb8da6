"""The audit's use cases on the session: record, redact, verify, export; attestations."""
