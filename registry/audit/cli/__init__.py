"""The commands of the audit: `registry audit …` and `registry attest …`."""
