"""E-mail digests (`registry notify`): one message a day per recipient about the services they
answer for — new gaps since their last digest, requirements that fall short within the
horizon (date and cause), departures, expiring assessments and accepted risks, overdue
mitigations and ending contracts.

Recipients are the owners of planned and active services (by their Person's e-mail; people
who are no longer employed get nothing) and users who opted in on their account page (about
the services their linked Person owns, else about every service). One address gets one
message. The content is read with one query per section for all recipients together, and a
digest log (one row per recipient and day) makes a second run on the same day send nothing.

Why more than 400 lines: one message's sections, each a query for all recipients together,
and the sending and its log.
"""

import hashlib
import json
import re
import smtplib
import ssl
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from flask import current_app, render_template
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from sqlalchemy import and_, func, select

from registry.accounts.models.users import User
from registry.audit.services import audit
from registry.catalogue.models.competences import Competence
from registry.catalogue.models.services import Requirement, Service
from registry.core import periods
from registry.core.extensions import db
from registry.digests.models import DigestLog
from registry.gaps import services as gap_service
from registry.gaps.rules import gaps as rules
from registry.gaps.services import analysed_requirement, employed_on, held_for_requirements
from registry.gaps.services import forecast as forecasting
from registry.mitigations.models import Mitigation
from registry.organisations import services as organisation_services
from registry.people.models.holdings import Assignment, Holding
from registry.people.models.staff import Person
from registry.reports.services import lists

OPEN_MITIGATION = ("open", "in_progress")
SHOWN = 20  # items per section; the rest is counted ("and 12 more")


class MailNotConfigured(Exception):
    """REGISTRY_SMTP_HOST or REGISTRY_SMTP_FROM is missing."""


@dataclass
class Recipient:
    email: str  # lower-cased; the key of the digest log
    name: str
    language: str
    service_ids: set[int] | None  # None: every service


@dataclass(frozen=True)
class Item:
    """One line of a digest section: a requirement or a service, a date, and what happens."""

    service_id: int
    service_code: str
    service_name: str
    subject: str  # competence or person name
    on: date | None
    detail: str = ""  # a kind code or a name, shown by the templates
    extra: tuple = ()
    # The English competence name, when `subject` (or, for an assessment, `detail`) is one.
    subject_en: str | None = None
    detail_en: str | None = None


@dataclass
class Digest:
    recipient: Recipient
    day: date
    horizon_end: date
    sections: dict[str, list] = field(default_factory=dict)
    gap_ids: list[int] = field(default_factory=list)
    subject: str = ""
    text: str = ""
    html: str = ""

    @property
    def empty(self) -> bool:
        return not any(self.sections.values())

    @property
    def content_digest(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()


SECTIONS = (
    "new_gaps",
    "shortfalls",
    "departures",
    "expiring_assessments",
    "expiring_risks",
    "overdue",
    "contracts",
)


# --- who gets a digest -----------------------------------------------------------------------


def _language(code: str | None) -> str:
    if code is not None and code in current_app.config["LANGUAGES"]:
        return code
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def recipients(as_of: date) -> list[Recipient]:
    """Service owners (employed on D, with an e-mail) and opted-in users, one per address."""
    found: dict[str, Recipient] = {}
    owners = db.session.execute(
        select(Person.email, Person.name, Service.id)
        .join(Service, Service.owner_id == Person.id)
        .where(
            Service.status.in_(rules.ANALYSED_SERVICE_STATUSES),
            Person.email.is_not(None),
            Person.email != "",
            employed_on(as_of),
        )
    ).all()
    for email, name, service_id in owners:
        if email is None:  # never: the query leaves out owners without an address
            continue
        key = email.strip().lower()
        services = found.setdefault(key, Recipient(key, name, _language(None), set())).service_ids
        if services is not None:  # always: owners are limited to their own services
            services.add(service_id)
    owned = defaultdict(set)
    for person_id, service_id in db.session.execute(
        select(Service.owner_id, Service.id).where(
            Service.owner_id.is_not(None), Service.status.in_(rules.ANALYSED_SERVICE_STATUSES)
        )
    ):
        owned[person_id].add(service_id)
    for user in db.session.execute(
        select(User).where(
            User.active.is_(True),
            User.digest_opt_in.is_(True),
            organisation_services.members_condition(User.id, with_region=True),
        )
    ).scalars():
        key = user.email.strip().lower()
        scope = owned.get(user.person_id) or None  # no services of their own: everything
        language = _language(getattr(user, "language", None))  # a stored preference, if any
        if key in found:
            current = found[key]
            current.service_ids = (
                None
                if scope is None or current.service_ids is None
                else current.service_ids | scope
            )
            current.language = language
        else:
            found[key] = Recipient(key, user.name or user.email, language, scope)
    return [found[key] for key in sorted(found)]


# --- what they are told ----------------------------------------------------------------------


def _last_gaps(emails: list[str], as_of: date) -> dict[str, set[int]]:
    """For each recipient, the gaps of their last digest before D."""
    if not emails:
        return {}
    last = (
        select(DigestLog.recipient, func.max(DigestLog.day).label("day"))
        .where(DigestLog.recipient.in_(emails), DigestLog.day < as_of)
        .group_by(DigestLog.recipient)
        .subquery()
    )
    rows = db.session.execute(
        select(DigestLog.recipient, DigestLog.gaps).join(
            last, and_(last.c.recipient == DigestLog.recipient, last.c.day == DigestLog.day)
        )
    )
    return {recipient: set(json.loads(gaps or "[]")) for recipient, gaps in rows}


def _in(scope: set[int] | None, service_id: int) -> bool:
    return scope is None or service_id in scope


def build(as_of: date, horizon: int | None = None) -> list[Digest]:
    """The digest of every recipient for day D (empty ones included; nothing is written)."""
    as_of, horizon = gap_service.resolve(as_of, horizon)
    end = periods.horizon_end(as_of, horizon)
    people = recipients(as_of)
    if not people:
        return []
    rows = gap_service.analyse(as_of, horizon)
    by_requirement = {r.requirement_id: r for r in rows}
    gaps_now = [r for r in rows if r.status != rules.COVERED]
    shortfalls = [
        f
        # The dashboard's forecast (cached): a first short day within the horizon is the
        # same whatever the window, as long as the window reaches the horizon.
        for f in forecasting.forecast(as_of, max(horizon, forecasting.resolve_days(None)))
        if f.first_short_on is not None and as_of < f.first_short_on <= end
    ]
    departures = _departures(as_of, end, by_requirement)
    expiring = _expiring_assessments(as_of, end)
    risks, overdue = _mitigations(as_of, end)
    contracts = [
        c for c in lists.ending_contracts(as_of, horizon) if c.contract_end >= as_of
    ]  # a contract that has already ended is not "ending"
    last = _last_gaps([p.email for p in people], as_of)
    digests = []
    for person in people:
        scope = person.service_ids
        mine = [g for g in gaps_now if _in(scope, g.service_id)]
        before = last.get(person.email, set())
        digests.append(
            Digest(
                recipient=person,
                day=as_of,
                horizon_end=end,
                gap_ids=sorted(g.requirement_id for g in mine),
                sections={
                    "new_gaps": [g for g in mine if g.requirement_id not in before],
                    "shortfalls": [f for f in shortfalls if _in(scope, f.service_id)],
                    "departures": [i for i in departures if _in(scope, i.service_id)],
                    "expiring_assessments": [i for i in expiring if _in(scope, i.service_id)],
                    "expiring_risks": [i for i in risks if _in(scope, i.service_id)],
                    "overdue": [i for i in overdue if _in(scope, i.service_id)],
                    "contracts": [c for c in contracts if _in(scope, c.service_id)],
                },
            )
        )
    return digests


def _departures(as_of: date, end: date, by_requirement: dict) -> list[Item]:
    """People qualified today for a requirement of a service who leave within the horizon."""
    pairs = lists.qualifications(as_of, leaving_until=end)
    person_ids = sorted({person_id for person_id, _rid in pairs})
    if not person_ids:
        return []
    people = {
        p.id: p
        for p in db.session.execute(
            select(Person.id, Person.name, Person.employee_number, Person.leave_date).where(
                Person.id.in_(person_ids)
            )
        )
    }
    items = set()
    for person_id, rid in pairs:
        row, person = by_requirement.get(rid), people[person_id]
        if row is not None:
            items.add(
                Item(
                    row.service_id,
                    row.service_code,
                    row.service_name,
                    person.name,
                    person.leave_date,
                    person.employee_number,
                )
            )
    return sorted(items, key=lambda i: (i.on, i.service_code, i.subject))


def _expiring_assessments(as_of: date, end: date) -> list[Item]:
    """Assessments of people assigned to a service that requires that competence, expiring
    after D and on or before the horizon."""
    stmt = (
        held_for_requirements(
            select(
                Service.id,
                Service.code,
                Service.name,
                Person.name,
                Holding.expires_on,
                Competence.name,
                Competence.name_en,
            ).select_from(Assignment)
        )
        .where(
            analysed_requirement(),
            Holding.expires_on > as_of,
            Holding.expires_on <= end,
            gap_service.assigned_on(as_of),
            employed_on(as_of),
        )
        .order_by(Holding.expires_on, Service.code, Person.name)
    )
    return [
        Item(sid, code, name, person, on, competence, detail_en=competence_en)
        for sid, code, name, person, on, competence, competence_en in db.session.execute(stmt)
    ]


def _mitigations(as_of: date, end: date) -> tuple[list[Item], list[Item]]:
    """Accepted risks that lapse within the horizon, and overdue mitigations (open or in
    progress, past their due date)."""
    stmt = (
        select(
            Service.id,
            Service.code,
            Service.name,
            Competence.name,
            Mitigation.kind,
            Mitigation.due_on,
            Mitigation.risk_expires_on,
            Person.name,
            Competence.name_en,
        )
        .select_from(Mitigation)
        .join(Requirement, Requirement.id == Mitigation.requirement_id)
        .join(Service, Service.id == Requirement.service_id)
        .join(Competence, Competence.id == Requirement.competence_id)
        .outerjoin(Person, Person.id == Mitigation.owner_id)
        .where(
            Mitigation.status.in_(OPEN_MITIGATION),
            Service.status.in_(rules.ANALYSED_SERVICE_STATUSES),
        )
        .order_by(Service.code, Competence.name)
    )
    risks, overdue = [], []
    for sid, code, name, competence, kind, due, expires, owner, en in db.session.execute(stmt):
        if kind == "accept_risk" and expires is not None and as_of <= expires <= end:
            risks.append(Item(sid, code, name, competence, expires, kind, subject_en=en))
        if due is not None and due < as_of:
            overdue.append(Item(sid, code, name, competence, due, kind, (owner or "",), en))
    risks.sort(key=lambda i: (i.on, i.service_code))
    overdue.sort(key=lambda i: (i.on, i.service_code))
    return risks, overdue


# --- the message -----------------------------------------------------------------------------


def render(digest: Digest) -> Digest:
    """Fill in subject, plain text and HTML, in the recipient's language."""
    base = (current_app.config.get("DIGEST_BASE_URL") or "").rstrip("/")
    with (
        current_app.test_request_context("/", base_url=base or "http://localhost"),
        force_locale(digest.recipient.language),
    ):
        context = {
            "digest": digest,
            "links": bool(base),
            "shown": SHOWN,
            "format_date": format_date,
        }
        digest.subject = _("Kennisborg: daily digest of %(date)s", date=digest.day.isoformat())
        # Sections that are left out leave blank lines behind: one empty line at most.
        digest.text = re.sub(r"\n{3,}", "\n\n", render_template("mail/digest.txt", **context))
        digest.html = render_template("mail/digest.html", **context)
    return digest


def _one_line(value: str) -> str:
    """A header value on one line: a name may hold line breaks (typed or imported), which
    the mail headers refuse (and which must never start a header of their own)."""
    return " ".join(value.split())


def message(digest: Digest) -> EmailMessage:
    """The digest as a MIME message: plain text with an HTML alternative."""
    sender = current_app.config.get("SMTP_FROM")
    if not sender:
        raise MailNotConfigured("REGISTRY_SMTP_FROM is not set.")
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = formataddr((_one_line(digest.recipient.name), digest.recipient.email))
    msg["Subject"] = _one_line(digest.subject)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip("> ") or None)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(digest.text)
    msg.add_alternative(digest.html, subtype="html")
    msg["Content-Language"] = digest.recipient.language  # after the content: it resets them
    return msg


def connect() -> smtplib.SMTP:
    """An SMTP connection as configured (STARTTLS and login when set)."""
    config = current_app.config
    if not config.get("SMTP_HOST"):
        raise MailNotConfigured("REGISTRY_SMTP_HOST is not set.")
    if not config.get("SMTP_FROM"):
        raise MailNotConfigured("REGISTRY_SMTP_FROM is not set.")
    smtp = smtplib.SMTP(config["SMTP_HOST"], int(config.get("SMTP_PORT") or 25), timeout=30)
    if config.get("SMTP_STARTTLS"):
        smtp.starttls(context=ssl.create_default_context())
    if config.get("SMTP_USER"):
        smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
    return smtp


def already_sent(as_of: date) -> set[str]:
    """The recipients who have had their digest of day D."""
    return set(
        db.session.execute(select(DigestLog.recipient).where(DigestLog.day == as_of)).scalars()
    )


def record_sent(actor: audit.Actor, digest: Digest) -> DigestLog:
    """Log one sent digest and record the audit event (flushes; the caller commits)."""
    entry = DigestLog(
        recipient=digest.recipient.email,
        day=digest.day,
        content_digest=digest.content_digest,
        gaps=json.dumps(digest.gap_ids),
    )
    db.session.add(entry)
    db.session.flush()
    audit.record(
        actor,
        "send",
        "digest",
        entry.id,
        after={
            "recipient": entry.recipient,
            "day": entry.day.isoformat(),
            "content_digest": entry.content_digest,
            "items": {name: len(digest.sections[name]) for name in SECTIONS},
        },
    )
    return entry


def set_opt_in(actor: audit.Actor, user: User, wanted: bool) -> bool:
    """Opt a user in or out of the daily digest; False when nothing changed."""
    if bool(user.digest_opt_in) == wanted:
        return False
    before = {"digest_opt_in": bool(user.digest_opt_in)}
    user.digest_opt_in = wanted
    db.session.flush()
    audit.record(actor, "update", "user", user.id, before, {"digest_opt_in": wanted})
    return True
