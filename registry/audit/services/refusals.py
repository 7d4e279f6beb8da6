"""Audit events for refused requests (403), without letting anyone flood the audit log.

The chain is append-only, so a repeat cannot be folded into an event already written. Instead:
the first refusal of a user (or, when not logged in, an address) on a route is recorded at
once, as before; repeats of the same user and route within the minute after it are only counted
in a small table (`audit_refusal_windows`, outside the chain). Once that minute is over the
count is recorded as one event, `refused_repeated`, with the number of repeats and the minute
they fell in: at the next refusal by anyone, and before an anchor is taken. A flood of
refusals thus costs at most two events per user, route and minute.
"""

from datetime import datetime, timedelta

from flask import request
from flask_login import current_user
from sqlalchemy import select

from registry.audit.models.audit import RefusalWindow
from registry.audit.services import audit
from registry.core.database import immediate_writes, table_of
from registry.core.extensions import db
from registry.core.models import utcnow

WINDOW = timedelta(minutes=1)
KEEP = timedelta(days=1)  # idle windows are forgotten after this


def _key(actor: audit.Actor) -> str:
    return f"user:{actor.id}" if actor.id is not None else f"address:{actor.source or '?'}"


def _summary(window: RefusalWindow) -> None:
    actor = audit.Actor(window.actor_id, window.actor_email, window.actor_role, window.source)
    audit.record(
        actor,
        "refused_repeated",
        "route",
        window.route,
        after={
            "method": window.method,
            "path": window.path,
            "repeats": window.repeats,
            "from": window.started_at.replace(microsecond=0).isoformat() + "Z",
            "until": (window.started_at + WINDOW).replace(microsecond=0).isoformat() + "Z",
        },
        result="refused",
    )
    window.repeats = 0


def flush_expired(now: datetime | None = None) -> int:
    """Record the counts of windows whose minute is over; returns how many were recorded.
    Flushes, never commits."""
    now = now or utcnow()
    audit.locked_head()  # one writer at a time: the head row serialises this table too
    expired = db.session.execute(
        select(RefusalWindow)
        .where(RefusalWindow.started_at <= now - WINDOW, RefusalWindow.repeats > 0)
        .order_by(RefusalWindow.started_at, RefusalWindow.id)
    ).scalars()
    recorded = 0
    for window in expired:
        _summary(window)
        recorded += 1
    db.session.execute(
        table_of(RefusalWindow)
        .delete()
        .where(RefusalWindow.started_at <= now - KEEP, RefusalWindow.repeats == 0)
    )
    return recorded


def record(actor: audit.Actor, route: str, method: str, path: str, now: datetime | None = None):
    """Record a refusal, or count it as a repeat within the minute. Returns the event written
    for this refusal (None when it was only counted). Flushes, never commits."""
    now = now or utcnow()
    flush_expired(now)
    key, route = _key(actor), (route or "?")[:200]
    window = db.session.execute(
        select(RefusalWindow).where(RefusalWindow.actor == key, RefusalWindow.route == route)
    ).scalar_one_or_none()
    if window is not None and now - window.started_at < WINDOW:
        window.repeats += 1
        return None
    if window is None:
        window = RefusalWindow(actor=key, route=route)
        db.session.add(window)
    window.started_at, window.repeats = now, 0
    window.actor_id, window.actor_email, window.actor_role = actor.id, actor.email, actor.role
    window.source, window.method, window.path = actor.source, method, path[:500]
    return audit.record(
        actor, "refused", "route", route, after={"method": method, "path": path}, result="refused"
    )


def record_refused_request() -> None:
    """The refused request (403) being answered, as an audit event, in a transaction of its
    own (the error pages call this; see `core.error_pages`)."""
    db.session.rollback()
    immediate_writes()
    record(
        audit.Actor.of(current_user, request.remote_addr),
        request.endpoint or request.path,
        request.method,
        request.path,
    )
    db.session.commit()
