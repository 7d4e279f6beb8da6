"""Attestations: freeze the gap report of one as-of date and horizon with a statement, the
time and the audit head; list and read them; the bundle; what has changed since.

An attestation is written once and never changed (the database refuses UPDATE and DELETE).
"""

import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from registry.accounts.models.users import User
from registry.audit.models.attestations import Attestation
from registry.audit.rules import attestation as bundles
from registry.audit.rules import audit_chain
from registry.audit.services import audit, audit_log
from registry.core import periods
from registry.core.errors import ServiceError
from registry.core.extensions import db
from registry.core.models import utcnow
from registry.core.permissions import Permission
from registry.gaps import services as gaps
from registry.gaps.rules import gaps as rules


def N_(message: str) -> str:
    return message


def frozen_records(rows) -> list[dict]:
    """The gap rows as the plain records an attestation keeps (codes, names, figures)."""
    return [
        {
            "service": r.service_code,
            "service_name": r.service_name,
            "competence": r.competence_code,
            "competence_name": r.competence_name,
            "competence_name_en": r.competence_name_en,  # absent in older attestations
            **r.figures(),
        }
        for r in rows
    ]


def _check(as_of: date | None, horizon: int | None, statement: str | None) -> str:
    if as_of is None:
        raise ServiceError(N_("Enter the as-of date."), "as_of")
    if horizon is None or not 0 <= horizon <= periods.MAX_HORIZON:
        raise ServiceError(N_("Enter a number of days from 0 to 3650."), "horizon")
    text = (statement or "").strip()
    if not text:
        raise ServiceError(N_("Write the statement you attest."), "statement")
    if len(text) > bundles.MAX_STATEMENT:
        raise ServiceError(N_("The statement may be at most 4000 characters long."), "statement")
    return text


def create(actor: audit.Actor, user: User, as_of: date, horizon: int, statement: str):
    """Freeze the gap report of (as_of, horizon) with `statement`, attested by `user`.

    The audit head is read in this transaction (after locking it), before the creation event
    is appended: it is the state the figures were computed at. Flushes, never commits."""
    text = _check(as_of, horizon, statement)
    if not user.can(Permission.AUDIT):
        raise ServiceError(N_("Only auditors and administrators can attest."), "by")
    count, digest = audit.locked_head()
    rows = gaps.analyse(as_of, horizon)
    records = frozen_records(rows)
    report = bundles.report_csv(records)
    att = Attestation(
        created_at=utcnow().replace(microsecond=0),
        as_of=as_of,
        horizon=horizon,
        statement=text,
        attester_id=user.id,
        attester_email=user.email,
        attester_name=user.name or "",
        attester_role=user.role,
        audit_count=count,
        audit_hash=digest,
        rows=audit_chain.dumps(records),
        report_csv=report,
        report_sha256=bundles.sha256_hex(report.encode()),
    )
    db.session.add(att)
    db.session.flush()
    audit.record(
        actor,
        "create",
        "attestation",
        att.id,
        after={
            "as_of": as_of.isoformat(),
            "horizon": horizon,
            "statement": text,
            "audit_head": audit_chain.head_text(count, digest),
            "report_sha256": att.report_sha256,
            "requirements": len(records),
        },
    )
    return att


def listing() -> list[Attestation]:
    """Every attestation, newest first."""
    return list(db.session.execute(select(Attestation).order_by(Attestation.id.desc())).scalars())


def get(attestation_id: int) -> Attestation | None:
    return db.session.get(Attestation, attestation_id)


def records(att: Attestation) -> list[dict]:
    """The frozen rows."""
    return json.loads(att.rows)


def counts(records_: list[dict]) -> dict[str, int]:
    """Requirements per status (every status present) in the frozen rows."""
    result = dict.fromkeys(rules.STATUSES, 0)
    for record in records_:
        result[record["status"]] = result.get(record["status"], 0) + 1
    return result


def head_text(att: Attestation) -> str:
    return audit_chain.head_text(att.audit_count, att.audit_hash)


def attested(att: Attestation) -> bundles.Attested:
    """The stored attestation as the plain data the bundle is made of."""
    who = f"{att.attester_name} <{att.attester_email}>" if att.attester_name else att.attester_email
    return bundles.Attested(
        id=att.id,
        created_at=att.created_at,
        as_of=att.as_of,
        horizon=att.horizon,
        statement=att.statement,
        attester=who,
        attester_role=att.attester_role,
        audit_head=head_text(att),
        report=att.report_csv,
        counts=counts(records(att)),
    )


def bundle(att: Attestation) -> bytes:
    """The ZIP bundle; the same bytes every time for the same attestation."""
    return bundles.bundle(attested(att))


def bundle_name(att: Attestation) -> str:
    return f"attestation-{att.id}-{att.as_of.isoformat()}-{att.horizon}d.zip"


@dataclass(frozen=True)
class Since:
    """The same as-of date and horizon recomputed on today's data, compared with the frozen
    figures: the changes per requirement, and the audit head now."""

    changes: list[bundles.Change]
    current_head: str
    current_counts: dict[str, int]
    current_total: int
    head_still_in_log: bool  # event N still has the attested hash (full check: audit verify)


def changes_since(att: Attestation) -> Since:
    """What has changed since the attestation was made, for its as-of date and horizon."""
    current = frozen_records(gaps.analyse(att.as_of, att.horizon))
    count, digest = audit.recorded_head()
    if att.audit_count == 0:
        still = att.audit_hash == audit_chain.GENESIS
    else:
        event = audit_log.event_by_seq(att.audit_count)
        still = event is not None and event.hash == att.audit_hash
    return Since(
        changes=bundles.compare(records(att), current),
        current_head=audit_chain.head_text(count, digest),
        current_counts=counts(current),
        current_total=len(current),
        head_still_in_log=still,
    )
