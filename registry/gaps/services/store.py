"""Full analyses and forecasts kept in the database (`stored_results`), so that a process that
starts cold (a restart, a second worker, the first view after an import or after midnight)
finds the computation another process made instead of repeating it: at region scale reading
one back takes tens of milliseconds, computing it about a second.

A stored result is derived data: it is saved outside the request's transaction (its own
connection, so a read-only page never turns into a write transaction and a failed save
changes nothing), it is not an audit event, and it is only ever used at the audit head it was
computed at, or brought up to the current head by the caches' incremental refresh. Rows are
encoded as JSON lists in the dataclass's field order (never pickle: the database must not be
able to run code in the application); a digest of the fields' names and types travels with
them, so rows stored by another version of the code are ignored.
"""

import dataclasses
import functools
import hashlib
import json
import logging
import types
import typing
import zlib
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

from flask import g, has_app_context
from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import SQLAlchemyError

from registry.audit.models.audit import AuditEvent
from registry.core import tenancy
from registry.core.extensions import db
from registry.core.models import utcnow
from registry.gaps.models import StoredResult

logger = logging.getLogger(__name__)

KEEP = 64  # results kept in all (several peildata, horizons and windows); the oldest go first
KEEP_DAYS = 31  # and none computed longer ago than this
_PENDING = "_stored_results_pending"


@dataclasses.dataclass(frozen=True)
class Stored:
    """A stored computation: the audit head it was made at, and its rows."""

    count: int
    hash: str
    rows: tuple


# --- the codec: frozen dataclasses of ints, strings, dates, tuples and nested dataclasses ----


def _codec(tp: Any) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """(encode, decode) for values of type `tp`."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        if len(inner) != 1:
            raise TypeError(f"cannot store {tp}")
        enc, dec = _codec(inner[0])
        return (lambda v: None if v is None else enc(v)), (lambda v: None if v is None else dec(v))
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            enc, dec = _codec(args[0])
            return (lambda v: [enc(x) for x in v]), (lambda v: tuple(dec(x) for x in v))
        parts = [_codec(a) for a in args]
        return (
            lambda v: [p[0](x) for p, x in zip(parts, v, strict=True)],
            lambda v: tuple(p[1](x) for p, x in zip(parts, v, strict=True)),
        )
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _dataclass_codec(tp)
    if tp is date:
        return date.isoformat, date.fromisoformat
    if tp in (int, str, bool, float):
        return (lambda v: v), (lambda v: v)
    raise TypeError(f"cannot store {tp}")


@functools.cache
def _dataclass_codec(cls: type) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    parts = [_codec(hints[name]) for name in names]

    def encode(value: Any) -> list:
        return [p[0](getattr(value, n)) for p, n in zip(parts, names, strict=True)]

    def decode(value: list) -> Any:
        return cls(*(p[1](x) for p, x in zip(parts, value, strict=True)))

    return encode, decode


@functools.cache
def fingerprint(cls: type) -> str:
    """A digest of the row type's field names and types, nested types included."""

    def describe(tp: Any) -> str:
        if isinstance(tp, type) and dataclasses.is_dataclass(tp):
            hints = typing.get_type_hints(tp)
            fields = ",".join(f"{f.name}:{describe(hints[f.name])}" for f in dataclasses.fields(tp))
            return f"{tp.__name__}({fields})"
        args = typing.get_args(tp)
        if args:
            return f"{typing.get_origin(tp)}[{','.join(describe(a) for a in args)}]"
        return getattr(tp, "__name__", repr(tp))

    return hashlib.sha256(describe(cls).encode()).hexdigest()


def encode(cls: type, rows: Sequence) -> bytes:
    enc = _dataclass_codec(cls)[0]
    text = json.dumps([enc(row) for row in rows], separators=(",", ":"), ensure_ascii=False)
    return zlib.compress(text.encode(), 6)


def decode(cls: type, payload: bytes) -> tuple:
    dec = _dataclass_codec(cls)[1]
    return tuple(dec(row) for row in json.loads(zlib.decompress(payload)))


# --- the table -------------------------------------------------------------------------------


def load(kind: str, cls: type, as_of: date, parameter: int) -> Stored | None:
    """The stored `kind` computation for (as_of, parameter), if there is one of this code's
    row type; read in the caller's transaction."""
    row = db.session.execute(
        select(
            StoredResult.head_count,
            StoredResult.head_hash,
            StoredResult.fingerprint,
            StoredResult.payload,
        ).where(
            StoredResult.organisation_id == _organisation(),
            StoredResult.kind == kind,
            StoredResult.as_of == as_of,
            StoredResult.parameter == parameter,
        )
    ).one_or_none()
    if row is None or row.fingerprint != fingerprint(cls):
        return None
    try:
        return Stored(row.head_count, row.head_hash, decode(cls, row.payload))
    except (ValueError, TypeError, zlib.error):
        logger.warning("stored %s result unreadable: ignored", kind)
        return None


def save(kind: str, cls: type, as_of: date, parameter: int, count: int, hash_: str, rows) -> None:
    """Keep `rows` (computed at head count:hash_) for the next process, replacing what was kept
    for (kind, as_of, parameter). Written when the application context ends (a request, a
    command), after its own transaction: a read-only request never becomes a write
    transaction, and a request that writes never waits on itself for SQLite's write lock."""
    if count == 0:
        return  # an empty audit log: nothing worth keeping, and no write to tell data apart
    item = (_organisation(), kind, cls, as_of, parameter, count, hash_, tuple(rows))
    if not has_app_context():
        _write(*item)
        return
    g.setdefault(_PENDING, []).append(item)


def write_pending(_exc: BaseException | None = None) -> None:
    """Write what `save` kept back (the app factory calls this when an app context ends)."""
    items = g.pop(_PENDING, None)
    if not items:
        return
    db.session.remove()  # the context's own transaction ends first
    for item in items:
        _write(*item)


def _organisation() -> int | None:
    """The organisation whose figures these are: the one acted in, or the registry's only
    one (None: several and none chosen, a computation over all of them, never stored)."""
    organisation_id = tenancy.current_organisation_id()
    if organisation_id in (None, tenancy.NOBODY):
        organisation_id = tenancy.sole_organisation_id(db.session)
    return organisation_id


def _write(
    organisation_id: int | None,
    kind: str,
    cls: type,
    as_of: date,
    parameter: int,
    count: int,
    hash_: str,
    rows,
):
    """Store one result in a short transaction of its own, if the audit chain still holds the
    head it was computed at; a failure is logged, not raised (the result still serves from
    memory, and the next full computation stores it)."""
    if organisation_id is None:
        return
    key = (
        StoredResult.organisation_id == organisation_id,
        StoredResult.kind == kind,
        StoredResult.as_of == as_of,
        StoredResult.parameter == parameter,
    )
    try:
        payload = encode(cls, rows)
        with db.engine.begin() as conn:
            # The chain must still hold the head it was computed at (a later event is fine:
            # the caches catch up from it; a log that was emptied or rolled back is not).
            if not _chain_holds(conn, count, hash_):
                return
            newer = conn.execute(
                select(StoredResult.head_count, StoredResult.head_hash).where(*key)
            ).one_or_none()
            if newer is not None and newer.head_count > count and _chain_holds(conn, *newer):
                return  # another process stored a later head meanwhile: keep that one
            conn.execute(delete(StoredResult).where(*key))
            conn.execute(
                insert(StoredResult).values(
                    organisation_id=organisation_id,
                    kind=kind,
                    as_of=as_of,
                    parameter=parameter,
                    head_count=count,
                    head_hash=hash_,
                    fingerprint=fingerprint(cls),
                    payload=payload,
                    computed_at=utcnow(),
                )
            )
            _prune(conn)
    except SQLAlchemyError:
        # Another process storing the same key at the same moment, or a busy database.
        logger.warning("stored %s result not saved", kind, exc_info=True)


def _chain_holds(conn, count: int, hash_: str) -> bool:
    return (
        conn.execute(select(AuditEvent.hash).where(AuditEvent.seq == count)).scalar_one_or_none()
        == hash_
    )


def _prune(conn) -> None:
    cutoff = utcnow() - timedelta(days=KEEP_DAYS)
    conn.execute(delete(StoredResult).where(StoredResult.computed_at < cutoff))
    if conn.execute(select(func.count()).select_from(StoredResult)).scalar_one() > KEEP:
        keep = select(StoredResult.id).order_by(StoredResult.computed_at.desc()).limit(KEEP)
        conn.execute(delete(StoredResult).where(StoredResult.id.not_in(keep.scalar_subquery())))


def clear() -> None:
    """Forget every stored result, in the caller's transaction (anonymisation: stored
    forecasts name the people whose departure causes a shortfall)."""
    db.session.execute(delete(StoredResult))
