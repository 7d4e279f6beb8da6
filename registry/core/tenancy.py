"""Several organisations in one registry: which organisation the current request or command
acts in, and the one lock that keeps every ORM statement inside it.

A record that belongs to an organisation (a person, a service, a holding, …) carries its
`organisation_id` (`OwnedByOrganisation`). While a scope is set (`acting_in`), every
ORM-enabled SELECT, UPDATE and DELETE on the session — lists, `session.get`, relationship
loads, the set-based gap statements and their subqueries — gets the condition
`organisation_id = <the scope's organisation>` for every such table it reads: a record of
another organisation does not exist for it (`get_or_404` answers 404). New records get the
scope's organisation when they have none.

With exactly one organisation nothing is added: the statements, their plans and their results
are those of a single-organisation registry (`Scope.filtering` is False).

A statement that must see every organisation (the region view, the audit chain's
verification, a command for the whole registry) runs without a scope, or with the execution
option `all_organisations=True`.
"""

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import ForeignKey, event, inspect, text
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column, with_loader_criteria

# No organisation at all: what a visitor who is not logged in, or a user without any
# membership, acts in. No row has this id, so every owned table reads as empty.
NOBODY = 0


@dataclass(frozen=True)
class Scope:
    """The organisation acted in (NOBODY: none), and whether the registry holds several."""

    organisation_id: int
    several: bool = True

    @property
    def filtering(self) -> bool:
        """Whether statements must be narrowed: not in a registry of one organisation, for
        someone who acts in it (then there is nothing to narrow)."""
        return self.several or self.organisation_id == NOBODY


_scope: contextvars.ContextVar[Scope | None] = contextvars.ContextVar("scope", default=None)


def current() -> Scope | None:
    """The scope of this request or command; None: the whole registry (system work)."""
    return _scope.get()


def current_organisation_id() -> int | None:
    scope = _scope.get()
    return scope.organisation_id if scope is not None else None


def narrowing() -> bool:
    """Whether the statements of this request or command are narrowed to an organisation."""
    scope = _scope.get()
    return scope is not None and scope.filtering


def several_organisations() -> bool:
    """Whether the registry this request or command acts in holds several organisations (what
    only such a registry shows: the region view, the candidates in the region)."""
    scope = _scope.get()
    return scope is not None and scope.several


def enter(scope: Scope | None) -> contextvars.Token:
    """Act in `scope` from now on in this context (a request, a command); see `acting_in`."""
    return _scope.set(scope)


def leave(token: contextvars.Token) -> None:
    _scope.reset(token)


@contextmanager
def acting_in(scope: Scope | None) -> Iterator[None]:
    """Within the block, every statement acts in `scope` (None: the whole registry)."""
    token = _scope.set(scope)
    try:
        yield
    finally:
        _scope.reset(token)


def run_in(scope: Scope | None, function):
    """`function`, made to act in `scope` when called: for a thread, which starts without the
    context (and so without the scope) of the request that started it."""

    def run(*args, **kwargs):
        with acting_in(scope):
            return function(*args, **kwargs)

    return run


class OwnedByOrganisation:
    """Mixin of every record that belongs to one organisation.

    A record derived from another (a holding from its person, a requirement from its service)
    names that parent's relationship in `organisation_from`, and gets its organisation when it
    is first saved."""

    organisation_from: str | None = None

    @declared_attr
    def organisation_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("organisations.id"), nullable=False)


class RecordedInOrganisation:
    """Mixin of what is recorded in an organisation or (NULL) for the whole region: audit
    events. No foreign key: the record outlives whatever it names. Narrowed like an owned
    record: a member of one organisation sees that organisation's events only."""

    @declared_attr
    def organisation_id(cls) -> Mapped[int | None]:
        return mapped_column(index=True)


class NoOrganisation(RuntimeError):
    """A record was saved outside any organisation while the registry holds several."""


_SOLE = "sole_organisation"


def sole_organisation_id(session) -> int | None:
    """The id of the registry's organisation when it holds exactly one, else None (read once
    per transaction)."""
    if _SOLE not in session.info:
        ids = session.execute(text("SELECT id FROM organisations ORDER BY id LIMIT 2")).scalars()
        found = list(ids)
        session.info[_SOLE] = found[0] if len(found) == 1 else None
    return session.info[_SOLE]


def forget_organisations(session) -> None:
    """After an organisation is added or removed within a transaction."""
    session.info.pop(_SOLE, None)


@event.listens_for(Session, "after_transaction_end")
def _forget_at_the_end(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_SOLE, None)


def organisation_for_insert(session) -> int:
    """The organisation a record inserted without the ORM (a bulk insert) belongs to: the one
    acted in, else the registry's only one."""
    organisation_id = current_organisation_id()
    if organisation_id in (None, NOBODY):
        organisation_id = sole_organisation_id(session)
    if organisation_id is None:
        raise NoOrganisation("records inserted outside any organisation")
    return organisation_id


def _organisation_of_parent(session, obj) -> int | None:
    name = type(obj).organisation_from
    if not name:
        return None
    parent = getattr(obj, name, None)
    if parent is None:
        # Only the foreign key is set: load the parent (within the scope, so a parent of
        # another organisation is not found and the record is refused below).
        relationship = inspect(type(obj)).relationships[name]
        (column,) = relationship.local_columns
        key = getattr(obj, column.key, None)
        if key is None:
            return None
        parent = session.get(relationship.mapper.class_, key)
        if parent is None:
            # The parent is another organisation's (or gone): never a record across the line.
            raise NoOrganisation(f"{type(obj).__name__} of a {name} not in this organisation")
    if getattr(parent, "organisation_id", None) is None:
        _assign(session, parent)
    return parent.organisation_id


def _assign(session, obj) -> None:
    organisation_id = _organisation_of_parent(session, obj)
    if organisation_id is None:
        organisation_id = current_organisation_id()
    if organisation_id is None or organisation_id == NOBODY:
        organisation_id = sole_organisation_id(session)
    if organisation_id is None:
        raise NoOrganisation(f"{type(obj).__name__} saved outside any organisation")
    obj.organisation_id = organisation_id


@event.listens_for(Session, "before_flush")
def _give_new_records_their_organisation(session, _context, _instances) -> None:
    with session.no_autoflush:
        for obj in list(session.new):
            if isinstance(obj, OwnedByOrganisation) and obj.organisation_id is None:
                _assign(session, obj)


@event.listens_for(Session, "do_orm_execute")
def _narrow_to_the_scope(state) -> None:
    scope = _scope.get()
    if scope is None or not scope.filtering:
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.execution_options.get("all_organisations", False):
        return
    organisation_id = scope.organisation_id
    state.statement = state.statement.options(
        *(
            with_loader_criteria(
                mixin, lambda cls: cls.organisation_id == organisation_id, include_aliases=True
            )
            for mixin in (OwnedByOrganisation, RecordedInOrganisation)
        )
    )
