"""Factories for test data: each makes a valid record with sensible defaults, adds and flushes
it, and lets a test override any field."""

import itertools
from datetime import date, datetime

from werkzeug.security import generate_password_hash

from registry.accounts.models.users import User
from registry.catalogue.models.competences import Competence, Framework
from registry.catalogue.models.services import Provider, Requirement, Service
from registry.core.extensions import db
from registry.mitigations.models import Mitigation
from registry.people.models.holdings import Assignment, Holding
from registry.people.models.staff import OrgUnit, Person

_seq = itertools.count(1)
# Hashing is deliberately slow; tests share one cheap hash per password.
_hashes: dict[str, str] = {}


def _n() -> int:
    return next(_seq)


def _save(obj):
    db.session.add(obj)
    db.session.flush()
    return obj


# Administrators must use two-factor authentication: the factories enrol them with this
# secret (pass totp_secret=None for one that has not enrolled); `tests.conftest.login` then
# types the current code, so every test logs in through the real second step.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def make_user(role="editor", password="correct horse battery", **kw) -> User:
    if role == "admin":
        kw.setdefault("totp_secret", TOTP_SECRET)
        if kw["totp_secret"] is not None:
            kw.setdefault("totp_confirmed_at", datetime(2026, 1, 1))
    if password not in _hashes:
        _hashes[password] = generate_password_hash(password, method="scrypt:1024:8:1")
    n = _n()
    kw.setdefault("email", f"{role}{n}@example.org")
    kw.setdefault("name", f"{role.title()} {n}")
    return _save(User(role=role, password_hash=_hashes[password], **kw))


def make_framework(**kw) -> Framework:
    n = _n()
    kw.setdefault("key", f"fw-{n}")
    kw.setdefault("name", f"Framework {n}")
    return _save(Framework(**kw))


def make_competence(**kw) -> Competence:
    n = _n()
    kw.setdefault("code", f"C{n}")
    kw.setdefault("name", f"Competence {n}")
    return _save(Competence(**kw))


def make_provider(**kw) -> Provider:
    n = _n()
    kw.setdefault("name", f"Provider {n}")
    kw.setdefault("kind", "supplier")
    return _save(Provider(**kw))


def make_org_unit(**kw) -> OrgUnit:
    n = _n()
    kw.setdefault("name", f"Unit {n}")
    kw.setdefault("path", kw["name"])
    return _save(OrgUnit(**kw))


def make_person(**kw) -> Person:
    n = _n()
    kw.setdefault("employee_number", f"E{n:05d}")
    kw.setdefault("name", f"Person {n}")
    kw.setdefault("start_date", date(2020, 1, 1))
    return _save(Person(**kw))


def make_service(**kw) -> Service:
    n = _n()
    kw.setdefault("code", f"service-{n}")
    kw.setdefault("name", f"Service {n}")
    kw.setdefault("criticality", "medium")
    kw.setdefault("status", "active")
    return _save(Service(**kw))


def make_requirement(service=None, competence=None, **kw) -> Requirement:
    service = service or make_service()
    competence = competence or make_competence()
    kw.setdefault("required_level", 3)
    kw.setdefault("min_holders", 2)
    return _save(Requirement(service=service, competence=competence, **kw))


def make_assignment(person=None, service=None, **kw) -> Assignment:
    return _save(
        Assignment(person=person or make_person(), service=service or make_service(), **kw)
    )


def make_holding(person=None, competence=None, **kw) -> Holding:
    kw.setdefault("level", 3)
    kw.setdefault("assessed_on", date(2025, 1, 1))
    return _save(
        Holding(person=person or make_person(), competence=competence or make_competence(), **kw)
    )


def make_one_of_each() -> dict:
    """One record of every catalogue and staff kind, linked to each other (so that every URL
    can name a real one): name → record."""
    provider = make_provider()
    framework = make_framework()
    competence = make_competence(framework=framework)
    unit = make_org_unit()
    person = make_person(org_unit=unit)
    service = make_service(provider=provider, owner=person)
    requirement = make_requirement(service=service, competence=competence)
    mitigation = Mitigation(requirement=requirement, kind="training", due_on=date(2027, 1, 1))
    db.session.add(mitigation)
    return {
        "provider": provider,
        "framework": framework,
        "competence": competence,
        "unit": unit,
        "person": person,
        "service": service,
        "requirement": requirement,
        "assignment": make_assignment(person=person, service=service),
        "holding": make_holding(person=person, competence=competence),
        "mitigation": mitigation,
    }
