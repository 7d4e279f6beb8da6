"""The audit hash chain, pure: canonical form, hashing and verification of a sequence."""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

GENESIS = "0" * 64

# The fields the canonical form covers, in order. before/after are covered through
# payload_digest, so personal data can be redacted while the chain still verifies.
CHAINED_FIELDS = (
    "seq", "at", "actor_id", "actor_email", "actor_role", "action", "entity", "entity_id",
    "result", "source", "payload_digest",
)


def _default(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not serialisable: {type(value).__name__}")


def dumps(value) -> str:
    """Stable JSON (sorted keys, no spaces, ISO dates) used for payloads and hashing."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_default,
                      ensure_ascii=False)


def payload_digest(before: str | None, after: str | None) -> str:
    """Digest of the before/after payload as stored (JSON text or empty)."""
    return hashlib.sha256(dumps([before, after]).encode()).hexdigest()


def canonical(event: dict) -> str:
    """The canonical text of an event: its chained fields as stable JSON."""
    return dumps({name: event.get(name) for name in CHAINED_FIELDS})


def chain_hash(prev_hash: str, event: dict) -> str:
    """sha256(prev_hash ‖ canonical event)."""
    return hashlib.sha256((prev_hash + canonical(event)).encode()).hexdigest()


@dataclass(frozen=True)
class Verification:
    """The outcome of verifying a chain: the head on success, the first broken event if not."""

    ok: bool
    count: int
    head: str
    broken_seq: int | None = None
    reason: str | None = None

    @property
    def head_text(self) -> str:
        return f"{self.count}:{self.head}"


def verify(events: Iterable[dict], expect: tuple[int, str] | None = None) -> Verification:
    """Recompute the chain over events ordered by seq.

    Detects an edited event (hash or digest mismatch), a deleted or swapped one (seq gap or
    prev_hash mismatch), and with `expect=(n, hash)` a truncated tail.
    """
    prev, count = GENESIS, 0
    expected_seen = False
    for event in events:
        count += 1
        seq = event["seq"]
        if seq != count:
            return Verification(False, count - 1, prev, seq, "sequence gap or reordering")
        if event["prev_hash"] != prev:
            return Verification(False, count - 1, prev, seq, "prev_hash does not match")
        if not event.get("redacted") and payload_digest(
            event.get("before"), event.get("after")
        ) != event["payload_digest"]:
            return Verification(False, count - 1, prev, seq, "before/after altered")
        if chain_hash(prev, event) != event["hash"]:
            return Verification(False, count - 1, prev, seq, "event altered")
        prev = event["hash"]
        if expect and seq == expect[0]:
            if prev != expect[1]:
                return Verification(False, count, prev, seq, "differs from the expected head")
            expected_seen = True
    if expect and not expected_seen:
        return Verification(False, count, prev, None,
                            f"log holds {count} events, expected at least {expect[0]}")
    return Verification(True, count, prev)
