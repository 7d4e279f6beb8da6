"""The audit hash chain, pure: canonical form, hashing and verification of a sequence.

`hash = sha256(prev_hash ‖ canonical event)`. The canonical form covers a digest of the
before/after payload rather than the payload itself, so personal data can be redacted while the
chain still verifies. A redaction is itself an event of the chain (action `redact`, entity
`audit_event`, `after = {"events": [seq, …]}`): a payload that was changed and flagged as
redacted without such an event is reported as tampering, and so is a redacted payload that holds
anything but redaction markers (keys may stay, every value must be the marker or null), so a
rewrite cannot be dressed up as a redaction. The exact algorithm is documented in docs/AUDIT.md.
"""

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypedDict

GENESIS = "0" * 64
REDACT_ACTION = "redact"
REDACT_ENTITY = "audit_event"
REDACTED = "[redacted]"

# The fields the canonical form covers, in order. before/after are covered through
# payload_digest, so personal data can be redacted while the chain still verifies.
CHAINED_FIELDS = (
    "seq",
    "at",
    "actor_id",
    "actor_email",
    "actor_role",
    "action",
    "entity",
    "entity_id",
    "result",
    "source",
    "payload_digest",
)


class ChainedEvent(TypedDict):
    """The fields an event's hash covers (CHAINED_FIELDS), `at` as ISO text."""

    seq: int
    at: str
    actor_id: int | None
    actor_email: str | None
    actor_role: str | None
    action: str
    entity: str
    entity_id: str | None
    result: str
    source: str | None
    payload_digest: str


class StoredEvent(ChainedEvent):
    """An event as `verify` reads it: the chained fields, the payload and the chaining."""

    before: str | None
    after: str | None
    redacted: bool
    prev_hash: str
    hash: str


def N_(message: str) -> str:
    """Mark a message for translation; the layer that shows it translates it."""
    return message


# Why verification failed; the %(name)s values are in Verification.details.
SEQUENCE_GAP = N_(
    "Event %(seq)s is out of sequence: expected event %(expected)s (an event "
    "was deleted or events were reordered)."
)
PREV_MISMATCH = N_(
    "Event %(seq)s does not follow on from the event before it (events were "
    "deleted, inserted or reordered)."
)
PAYLOAD_ALTERED = N_("The before/after values of event %(seq)s were altered.")
EVENT_ALTERED = N_("Event %(seq)s was altered.")
NOT_A_SCRUB = N_(
    "Event %(seq)s is marked as redacted, but its before/after values hold more than "
    "redaction markers: it was rewritten, not redacted."
)
ANCHOR_DIFFERS = N_("Event %(seq)s differs from the anchored head %(expected)s.")
ANCHOR_MISSING = N_(
    "The log holds %(count)s events, but an anchored head is at event "
    "%(expected)s (events at the end were removed)."
)
UNRECORDED_REDACTION = N_(
    "Event %(seq)s is marked as redacted, but no redaction of it was recorded."
)
EXPECTED_DIFFERS = N_("Event %(seq)s differs from the expected head %(expected)s.")
EXPECTED_MISSING = N_(
    "The log holds %(count)s events, but the expected head is at event "
    "%(expected)s (events at the end were removed)."
)
HEAD_DIFFERS = N_("Event %(seq)s differs from the head the database recorded when it was written.")
HEAD_MISSING = N_(
    "The log holds %(count)s events, but the database recorded %(expected)s "
    "(events at the end were removed)."
)


def _default(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not serialisable: {type(value).__name__}")


# One encoder for every call: json.dumps with options builds a new one each time.
_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), default=_default, ensure_ascii=False
)


def dumps(value: object) -> str:
    """Stable JSON (sorted keys, no spaces, ISO dates) used for payloads and hashing."""
    return _ENCODER.encode(value)


def payload_digest(before: str | None, after: str | None) -> str:
    """Digest of the before/after payload as stored (JSON text or empty)."""
    return hashlib.sha256(dumps([before, after]).encode()).hexdigest()


def canonical(event: ChainedEvent) -> str:
    """The canonical text of an event: its chained fields as stable JSON."""
    fields: Mapping[str, object] = event
    return dumps({name: fields.get(name) for name in CHAINED_FIELDS})


def chain_hash(prev_hash: str, event: ChainedEvent) -> str:
    """sha256(prev_hash ‖ canonical event)."""
    return hashlib.sha256((prev_hash + canonical(event)).encode()).hexdigest()


def head_text(count: int, digest: str) -> str:
    """A head as printed and accepted by `registry audit verify`: N:HASH."""
    return f"{count}:{digest}"


def parse_head(text: str) -> tuple[int, str] | None:
    """(N, HASH) from `N:HASH`, or None when the text is not of that form."""
    count, sep, digest = (text or "").strip().partition(":")
    digest = digest.lower()
    if not sep or not count.isascii() or not count.isdigit() or len(digest) != 64:
        return None
    if any(ch not in "0123456789abcdef" for ch in digest):
        return None
    return int(count), digest


@dataclass(frozen=True)
class Verification:
    """The outcome of verifying a chain.

    On success `count` and `head` are the chain's head. On failure `broken_seq` names the first
    broken event (None: the end of the log), `count`/`head` are the last good event, and
    `reason` is a message whose %(name)s values are in `details`.
    """

    ok: bool
    count: int
    head: str
    broken_seq: int | None = None
    reason: str | None = None
    details: dict[str, object] = field(default_factory=dict)

    @property
    def head_text(self) -> str:
        return head_text(self.count, self.head)

    @property
    def message(self) -> str:
        """The reason with its values filled in (untranslated)."""
        return (self.reason or "") % self.details


def scrubbed(value: object) -> object:
    """`value` with every leaf replaced by the redaction marker (keys and nulls kept)."""
    if isinstance(value, dict):
        return {key: scrubbed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [scrubbed(item) for item in value]
    return None if value is None else REDACTED


def only_markers(text: str | None) -> bool:
    """Whether a stored before/after text holds nothing but redaction markers (or nulls)."""
    if text is None:
        return True
    try:
        value: object = json.loads(text)
    except ValueError:
        return False
    return value == scrubbed(value)


def _redacted_seqs(event: StoredEvent) -> list[int]:
    """The events a redaction event covers (its `after` is {"events": [seq, …]})."""
    if event.get("action") != REDACT_ACTION or event.get("entity") != REDACT_ENTITY:
        return []
    try:
        payload = json.loads(event.get("after") or "{}")
        return [int(seq) for seq in payload.get("events", [])]
    except (ValueError, TypeError, AttributeError):
        return []


class _Checkpoint:
    """A head the chain must pass through: (count, hash) with the messages to use."""

    def __init__(self, head: tuple[int, str], differs: str, missing: str):
        self.count, self.hash = head
        self.differs, self.missing = differs, missing
        self.seen = self.count == 0

    def genesis_mismatch(self) -> bool:
        return self.count == 0 and self.hash != GENESIS


def verify(
    events: Iterable[StoredEvent],
    expect: tuple[int, str] | None = None,
    recorded: tuple[int, str] | None = None,
    anchors: Iterable[tuple[int, str]] = (),
) -> Verification:
    """Recompute the chain over events ordered by seq.

    Detects an edited event (hash or digest mismatch), a deleted, inserted or swapped one
    (seq gap or prev_hash mismatch), a redaction that was not recorded or that is a rewrite
    (values other than markers), and a truncated or rewritten tail: with `expect=(n, hash)`
    (a head noted earlier), `recorded=(n, hash)` (the head row the database keeps) or
    `anchors` (heads kept outside the database) the chain must still pass through each head.
    """
    heads = [
        (expect, EXPECTED_DIFFERS, EXPECTED_MISSING),
        (recorded, HEAD_DIFFERS, HEAD_MISSING),
        *((anchor, ANCHOR_DIFFERS, ANCHOR_MISSING) for anchor in anchors),
    ]
    # A head not given (None) is nothing to pass through.
    checkpoints = [
        _Checkpoint(head, differs, missing) for head, differs, missing in heads if head is not None
    ]
    at_seq: dict[int, list[_Checkpoint]] = {}
    for point in checkpoints:
        if point.count:
            at_seq.setdefault(point.count, []).append(point)
    for point in checkpoints:
        if point.genesis_mismatch():
            return Verification(
                False,
                0,
                GENESIS,
                None,
                point.differs,
                {"seq": 0, "expected": head_text(0, point.hash)},
            )
    prev, count = GENESIS, 0
    # Redacted events not (yet) covered by a redaction event: seq → hash of the event before.
    pending_redactions: dict[int, str] = {}

    def broken(seq: int, reason: str, **details: object) -> Verification:
        return Verification(False, count, prev, seq, reason, {"seq": seq, **details})

    for event in events:
        seq = event["seq"]
        if seq != count + 1:
            return broken(seq, SEQUENCE_GAP, expected=count + 1)
        if event["prev_hash"] != prev:
            return broken(seq, PREV_MISMATCH)
        digest_ok = (
            payload_digest(event.get("before"), event.get("after")) == event["payload_digest"]
        )
        # A payload that no longer matches its digest must be a scrub: markers only. The
        # `redacted` flag only chooses the message; it proves nothing (anyone can set it).
        if not digest_ok and not (
            only_markers(event.get("before")) and only_markers(event.get("after"))
        ):
            return broken(seq, NOT_A_SCRUB if event.get("redacted") else PAYLOAD_ALTERED)
        if chain_hash(prev, event) != event["hash"]:
            return broken(seq, EVENT_ALTERED)
        if not digest_ok:
            pending_redactions[seq] = prev
        for covered in _redacted_seqs(event):
            pending_redactions.pop(covered, None)
        prev, count = event["hash"], seq
        for point in at_seq.get(seq, ()):
            if prev != point.hash:
                return broken(seq, point.differs, expected=head_text(point.count, point.hash))
            point.seen = True
    if pending_redactions:
        first = min(pending_redactions)
        return Verification(
            False, first - 1, pending_redactions[first], first, UNRECORDED_REDACTION, {"seq": first}
        )
    for point in checkpoints:
        if not point.seen:
            return Verification(
                False, count, prev, None, point.missing, {"count": count, "expected": point.count}
            )
    return Verification(True, count, prev)
