"""Memoise any read on the audit head: a value computed at head N:HASH is served until a write
moves the head, and kept across events that cannot change it (logins, accounts, mitigations,
the org-unit tree, redactions, digests). Every write records an audit event, so a value
computed before a write is never served after it. A transaction that has written anything
bypasses the memo, and so do tests (GAP_CACHE, as for the gap analysis).

Used by the dashboard for its lists that are not gap figures (departures, contracts, stale and
expiring assessments), so that a warm dashboard at region scale costs milliseconds.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from sqlalchemy import select

from registry.audit.models.audit import AuditEvent
from registry.core import tenancy
from registry.core.extensions import db
from registry.gaps.services import cache as gap_cache

_SIZE = 256
_MAX_EVENTS = 500
NEUTRAL = gap_cache._NEUTRAL_ENTITIES | {"digest"}
_memo: OrderedDict = OrderedDict()
_lock = threading.Lock()


def memo(key: Hashable, compute: Callable):
    """compute(), or the value it gave at the current audit head (or at an earlier head with
    only neutral events since). The value is shared between requests: never mutate it."""
    head = gap_cache._head() if gap_cache.enabled() else None
    if head is None:
        return compute()
    full_key = (str(db.engine.url), tenancy.current_organisation_id(), key)
    with _lock:
        entry = _memo.get(full_key)
    if entry is not None and entry[:2] == (head.count, head.hash):
        return entry[2]
    if entry is not None and _only_neutral_since(entry[0], entry[1], head):
        value = entry[2]
    else:
        value = compute()
    with _lock:
        _memo[full_key] = (head.count, head.hash, value)
        _memo.move_to_end(full_key)
        while len(_memo) > _SIZE:
            _memo.popitem(last=False)
    return value


def _only_neutral_since(count: int, hash_: str, head) -> bool:
    """Whether the chain runs on from (count, hash) to the head through neutral events only."""
    if not count or count >= head.count or head.count - count > _MAX_EVENTS:
        return False
    events = db.session.execute(
        select(AuditEvent.seq, AuditEvent.hash, AuditEvent.entity)
        .where(AuditEvent.seq >= count, AuditEvent.seq <= head.count)
        .order_by(AuditEvent.seq)
        .execution_options(all_organisations=True)  # the whole chain, to the head
    ).all()
    return (
        [e.seq for e in events] == list(range(count, head.count + 1))
        and events[0].hash == hash_
        and events[-1].hash == head.hash
        and all(e.entity in NEUTRAL for e in events[1:])
    )


def clear() -> None:
    """Forget every memoised value."""
    with _lock:
        _memo.clear()
