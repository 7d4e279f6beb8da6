"""The scope lock of core/tenancy.py: with several organisations, what a scope reads, writes and
refuses; with one, that nothing is narrowed."""

from datetime import date

import pytest
from sqlalchemy import delete, func, select, update

from registry.audit.services import audit
from registry.catalogue.models.services import Requirement, Service
from registry.core import tenancy
from registry.core.extensions import db
from registry.gaps import services as gaps
from registry.organisations import services as organisations
from registry.people.models.holdings import Holding
from registry.people.models.staff import Person
from tests import factories


def _two():
    """Organisation A (the default one, id 1) and B, each with a person 1001, a service S01
    requiring one competence and the person assigned and holding it: both covered-ish."""
    a = organisations.by_code("ORG")
    b = organisations.create(audit.Actor.system(), "GM0002", "Gemeente B")
    competence = factories.make_competence(code="C1")
    made = {}
    for org in (a, b):
        with tenancy.acting_in(tenancy.Scope(org.id, several=True)):
            person = factories.make_person(employee_number="1001", name=f"Persoon {org.code}")
            service = factories.make_service(code="S01", name=f"Dienst {org.code}")
            factories.make_requirement(service=service, competence=competence, min_holders=1)
            factories.make_assignment(person=person, service=service)
            factories.make_holding(person=person, competence=competence, level=4)
            db.session.flush()
            made[org.code] = (person.id, service.id)
    db.session.commit()
    return a, b, made


def test_a_scope_reads_its_own_organisation_only(app):
    a, b, made = _two()
    with tenancy.acting_in(tenancy.Scope(a.id, several=True)):
        names = db.session.scalars(select(Person.name)).all()
        assert names == ["Persoon ORG"]
        assert db.session.get(Person, made["GM0002"][0]) is None
        # A subquery and a join are narrowed too.
        count = db.session.scalar(
            select(func.count())
            .select_from(Holding)
            .where(Holding.person_id.in_(select(Person.id)))
        )
        assert count == 1
        rows = gaps.analyse(date(2026, 1, 1), 90)
        assert [r.service_code for r in rows] == ["S01"]
        assert {r.service_name for r in rows} == {"Dienst ORG"}
    db.session.rollback()


def test_a_scope_never_writes_another_organisation(app):
    a, b, made = _two()
    with tenancy.acting_in(tenancy.Scope(a.id, several=True)):
        db.session.execute(update(Person).values(name="Overschreven"))
        db.session.execute(delete(Requirement))
        db.session.commit()
    with tenancy.acting_in(tenancy.Scope(b.id, several=True)):
        assert db.session.scalars(select(Person.name)).all() == ["Persoon GM0002"]
        assert db.session.scalar(select(func.count()).select_from(Requirement)) == 1


def test_new_records_get_the_organisation_and_never_cross_it(app):
    a, b, made = _two()
    with tenancy.acting_in(tenancy.Scope(b.id, several=True)):
        person = factories.make_person(employee_number="2002")
        db.session.flush()
        assert person.organisation_id == b.id
        # A holding of A's person, saved while acting in B: refused, never stored.
        db.session.add(Holding(person_id=made["ORG"][0], competence_id=1, level=3))
        with pytest.raises(tenancy.NoOrganisation):
            db.session.flush()
        db.session.rollback()


def test_outside_any_scope_a_registry_of_several_refuses_a_record_without_organisation(app):
    _two()
    db.session.add(Person(employee_number="3003", name="Zonder"))
    with pytest.raises(tenancy.NoOrganisation):
        db.session.flush()
    db.session.rollback()


def test_with_one_organisation_nothing_is_narrowed(app):
    factories.make_person(employee_number="1001")
    db.session.commit()
    with tenancy.acting_in(tenancy.Scope(1, several=False)):
        statements = []
        from sqlalchemy import event

        def seen(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", seen)
        try:
            assert len(db.session.scalars(select(Service.id)).all()) == 0
            db.session.scalars(select(Person)).all()
        finally:
            event.remove(db.engine, "before_cursor_execute", seen)
    assert not any("organisation_id =" in s for s in statements)
    db.session.rollback()
