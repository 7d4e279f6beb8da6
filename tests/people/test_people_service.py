"""The people services on the database: rules, audit events in the same transaction, and
optimistic locking."""

from datetime import date

import pytest

from registry.audit.models.audit import AuditEvent
from registry.audit.services import audit
from registry.core.errors import ServiceError, StaleRecord
from registry.core.extensions import db
from registry.people import services as service
from registry.people.models.staff import OrgUnit, Person
from tests import factories

ACTOR = audit.Actor.system("test")


def test_create_person_cleans_input_and_audits(app):
    person = service.create_person(
        ACTOR, employee_number=" E-1 ", name=" Ada ", email="", start_date=date(2024, 1, 1)
    )
    assert (person.employee_number, person.name, person.email) == ("E-1", "Ada", None)
    event = db.session.query(AuditEvent).one()
    assert (event.action, event.entity, event.entity_id) == ("create", "person", str(person.id))


def test_a_refused_change_leaves_nothing_after_rollback(app):
    factories.make_person(employee_number="E-1")
    db.session.commit()
    with pytest.raises(ServiceError) as error:
        service.create_person(ACTOR, employee_number="E-1", name="Twin")
    assert error.value.field == "employee_number"
    db.session.rollback()
    assert db.session.query(Person).count() == 1
    assert db.session.query(AuditEvent).count() == 0


def test_update_with_an_old_version_raises_stale_record(app):
    person = factories.make_person(name="A")
    db.session.commit()
    with pytest.raises(StaleRecord):
        service.update_person(ACTOR, person, person.version + 1, employee_number="E-9", name="B")


def test_update_without_changes_writes_no_event(app):
    person = factories.make_person(name="A", employee_number="E-1", start_date=None)
    db.session.commit()
    service.update_person(ACTOR, person, person.version, employee_number="E-1", name="A")
    assert db.session.query(AuditEvent).count() == 0


def test_departure_rules(app):
    person = factories.make_person(start_date=date(2024, 1, 1))
    db.session.commit()
    with pytest.raises(ServiceError) as early:
        service.register_departure(ACTOR, person, person.version, date(2023, 12, 31))
    assert early.value.field == "leave_date"
    with pytest.raises(ServiceError):
        service.register_departure(ACTOR, person, person.version, None)
    service.register_departure(ACTOR, person, person.version, date(2024, 1, 1))  # same day ok
    assert person.leave_date == date(2024, 1, 1)


def test_person_usage_counts_every_reference(app):
    person = factories.make_person()
    factories.make_assignment(person=person)
    factories.make_holding(person=person)
    factories.make_service(owner=person)
    factories.make_user(person=person)
    usage = service.person_usage(person)
    assert (usage.assignments, usage.holdings, usage.services_owned, usage.accounts) == (1, 1, 1, 1)
    assert not usage.unused
    with pytest.raises(ServiceError):
        service.delete_person(ACTOR, person, person.version)


def test_moving_an_org_unit_rewrites_descendant_paths(app):
    a = service.create_org_unit(ACTOR, "A", None)
    b = service.create_org_unit(ACTOR, "B", None)
    a1 = service.create_org_unit(ACTOR, "A1", a.id)
    a1x = service.create_org_unit(ACTOR, "X", a1.id)
    service.update_org_unit(ACTOR, a1, a1.version, "A1", b.id)
    assert (a1.path, a1x.path) == ("B / A1", "B / A1 / X")
    with pytest.raises(ServiceError) as error:
        service.update_org_unit(ACTOR, b, b.version, "B", a1x.id)
    assert error.value.field == "parent_id"


def test_org_unit_prefix_match_does_not_touch_similar_names(app):
    a = service.create_org_unit(ACTOR, "A", None)
    service.create_org_unit(ACTOR, "A%", None)  # a LIKE wildcard must not match "A / …"
    child = service.create_org_unit(ACTOR, "Kind", a.id)
    service.update_org_unit(ACTOR, a, a.version, "Z", None)
    assert child.path == "Z / Kind"
    assert db.session.query(OrgUnit).filter_by(name="A%").one().path == "A%"


def test_holding_rules(app):
    person = factories.make_person()
    competence = factories.make_competence()
    with pytest.raises(ServiceError) as bad_level:
        service.record_holding(ACTOR, person, competence.id, level=6)
    assert bad_level.value.field == "level"
    with pytest.raises(ServiceError) as bad_expiry:
        service.record_holding(
            ACTOR,
            person,
            competence.id,
            level=3,
            assessed_on=date(2025, 1, 2),
            expires_on=date(2025, 1, 1),
        )
    assert bad_expiry.value.field == "expires_on"
    service.record_holding(ACTOR, person, competence.id, level=3)
    assert service.existing_holding(person, competence.id).level == 3
    with pytest.raises(ServiceError) as twice:
        service.record_holding(ACTOR, person, competence.id, level=4)
    assert twice.value.field == "competence"


def test_assignment_period_rule(app):
    person = factories.make_person()
    svc = factories.make_service()
    with pytest.raises(ServiceError) as error:
        service.create_assignment(
            ACTOR, person, svc.id, start_on=date(2025, 2, 1), end_on=date(2025, 1, 1)
        )
    assert error.value.field == "end_on"
    assignment = service.create_assignment(ACTOR, person, svc.id, start_on=date(2025, 1, 1))
    with pytest.raises(ServiceError):
        service.end_assignment(ACTOR, assignment, assignment.version, date(2024, 12, 31))
