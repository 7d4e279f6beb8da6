"""The demo municipality: Gemeente Voorbeeldstad through the importer, and one account per role."""

import json

import pytest
from sqlalchemy import func, select

from registry.accounts.models.users import User
from registry.accounts.services import users
from registry.audit.models.audit import AuditEvent
from registry.audit.services import audit
from registry.catalogue.models.competences import Competence, Framework
from registry.catalogue.models.services import Provider, Requirement, Service
from registry.core.errors import ServiceError
from registry.core.extensions import db
from registry.people.models.holdings import Assignment, Holding
from registry.people.models.staff import OrgUnit, Person
from registry.transfer.services import demo, interchange
from tests import factories

ACTOR = audit.Actor.system("test")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def loaded(app):
    accounts = demo.load_demo(ACTOR)
    db.session.commit()
    return accounts


def test_the_demo_loads_voorbeeldstad_through_the_importer(loaded):
    assert {
        model.__name__: count(model)
        for model in (
            Framework,
            Provider,
            OrgUnit,
            Competence,
            Person,
            Service,
            Requirement,
            Assignment,
            Holding,
        )
    } == {
        "Framework": 4,
        "Provider": 5,
        "OrgUnit": 14,
        "Competence": 84,
        "Person": 41,
        "Service": 8,
        "Requirement": 48,
        "Assignment": 45,
        "Holding": 149,
    }
    summary = db.session.scalars(select(AuditEvent).filter_by(entity="import")).one()
    assert json.loads(summary.after)["files"]["holdings.csv"] == {
        "create": 149,
        "update": 0,
        "unchanged": 0,
    }
    assert audit.verify_chain().ok


def test_frameworks_carry_their_level_labels_and_providers_their_kind(loaded):
    ecf = db.session.scalars(select(Framework).filter_by(key="ecf-4.0")).one()
    assert ecf.level_label(1) == "Associate" and ecf.level_label(5) == "Principal"
    assert db.session.scalars(select(Competence).filter_by(code="A.2")).one().framework == ecf
    kinds = dict(db.session.execute(select(Provider.name, Provider.kind)).all())
    assert kinds["Coöperatieve vereniging Dimpact"] == "cooperative"
    assert kinds["Servicecentrum ICT Voorbeeldregio (SCIV)"] == "shared_service_centre"
    assert kinds["Archiefwolk B.V."] == "supplier"


def test_every_framework_and_competence_of_the_demo_has_an_english_name(loaded, client):
    for model in (Framework, Competence):
        records = db.session.scalars(select(model)).all()
        assert all(r.name_en and r.description_en and r.name_en != r.name for r in records)
    ecf = db.session.scalars(select(Framework).filter_by(key="ecf-4.0")).one()
    assert ecf.name_en == "European e-Competence Framework 4.0 (EN 16234-1)"
    email, _role, password = next(account for account in loaded if account[1] == "manager")
    client.post("/login", data={"email": email, "password": password})
    client.post("/language", data={"lang": "en"})
    page = client.get("/competences/A.2").get_data(as_text=True)
    assert '<h1 class="utrecht-heading-1">Service level management</h1>' in page
    assert "European e-Competence Framework 4.0" in page


def test_the_demo_round_trips_through_export(loaded):
    files = interchange.export_files()
    assert interchange.export_files() == files  # deterministic
    plan = interchange.plan_import(files)
    assert plan.ok
    assert sum(c.unchanged for c in plan.counts.values()) == 84 + 41 + 8 + 48 + 45 + 149


def test_four_accounts_one_per_role_that_can_log_in(loaded, client):
    assert sorted(role for _, role, _ in loaded) == ["admin", "auditor", "editor", "manager"]
    assert len({password for _, _, password in loaded}) == 4
    assert count(User) == 4
    for email, _role, password in loaded:
        assert len(password) >= 12
        response = client.post("/login", data={"email": email, "password": password})
        assert response.status_code == 302, email
        client.post("/logout")
    wrong = client.post("/login", data={"email": loaded[0][0], "password": "not-it-at-all"})
    assert wrong.status_code == 401


def test_a_second_load_is_refused(loaded):
    counts = count(Person), count(AuditEvent)
    with pytest.raises(ServiceError):
        demo.load_demo(ACTOR)
    db.session.rollback()
    assert (count(Person), count(AuditEvent)) == counts


@pytest.mark.parametrize(
    "make",
    [factories.make_service, factories.make_person, factories.make_competence, factories.make_user],
)
def test_any_data_makes_the_database_not_empty(app, make):
    assert demo.database_is_empty()
    make()
    assert not demo.database_is_empty()
    with pytest.raises(ServiceError):
        demo.load_demo(ACTOR)


def test_registry_demo_prints_each_account_once(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    for user in db.session.scalars(select(User)):
        line = next(line for line in result.stdout.splitlines() if user.email in line)
        assert user.role in line
        password = line.split()[-1]
        assert result.stdout.count(password) == 1
        assert users.authenticate(user.email, password) is not None
    assert count(Service) == 8
