"""The audit log, the access review and the attestation pages."""
