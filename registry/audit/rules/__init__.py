"""The audit chain and attestations as pure rules (no Flask, no SQLAlchemy)."""
