"""The audit's tables: events, the chain's head, refusal windows and attestations."""
