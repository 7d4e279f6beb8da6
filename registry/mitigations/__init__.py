"""Mitigations: the measures (and accepted risks) a manager plans against a gap."""
