"""Values memoised on the audit head: kept across neutral events (a login, a digest), computed
again after any other write, and never used inside a transaction that has written."""

from registry.audit.services import audit
from registry.core.extensions import db
from registry.gaps.services import head_cache
from tests import factories


def test_memo_follows_the_audit_head(app):
    app.config["GAP_CACHE"] = True
    head_cache.clear()
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    def event(entity, action="update"):
        audit.record(audit.Actor.system("test"), action, entity, 1)
        db.session.commit()

    try:
        event("person")  # a head to start from
        assert head_cache.memo("k", compute) == 1
        assert head_cache.memo("k", compute) == 1  # the same head: served
        event("user", "login")
        event("digest", "send")
        assert head_cache.memo("k", compute) == 1  # only neutral events since
        event("holding")
        assert head_cache.memo("k", compute) == 2  # a write that matters: computed again
        person = factories.make_person()
        audit.record(audit.Actor.system("test"), "create", "person", person.id)
        assert head_cache.memo("k", compute) == 3  # this transaction wrote: bypassed
        db.session.rollback()
        app.config["GAP_CACHE"] = False
        assert head_cache.memo("k", compute) == 4  # off (as in tests): always computed
    finally:
        app.config["GAP_CACHE"] = None
        head_cache.clear()
