"""`registry demo --region`: Voorbeeldstad, two neighbouring municipalities and the region's
shared-service centre, each an organisation filled through the importer, with accounts per
organisation and for the region."""

import csv
import io
from datetime import date

import pytest
from sqlalchemy import func, select

from registry.accounts.models.users import User
from registry.accounts.services import users
from registry.audit.services import audit
from registry.catalogue.models.competences import Competence
from registry.catalogue.models.services import Provider, Service
from registry.core import tenancy
from registry.core.extensions import db
from registry.gaps import services as gaps
from registry.gaps.rules import gaps as rules
from registry.organisations.models import Organisation
from registry.people.models.staff import Person
from registry.transfer.services import demo, interchange

ACTOR = audit.Actor.system("test")
CODES = ("GM9001", "GM9002", "GM9003", "SCIV")
DIMPACT = "Coöperatieve vereniging Dimpact"


def rows_of(folder: str, name: str) -> list[dict]:
    data = demo.organisation_files(folder)[name].decode("utf-8")
    return list(csv.DictReader(io.StringIO(data)))


def organisation(code: str) -> Organisation:
    return db.session.scalars(select(Organisation).filter_by(code=code)).one()


def scope(code: str) -> tenancy.Scope:
    return tenancy.Scope(organisation(code).id, several=True)


def folders() -> dict[str, str]:
    return {item["code"]: item["folder"] for item in demo.region()["organisations"]}


@pytest.fixture
def region(app):
    groups = demo.load_region(ACTOR)
    db.session.commit()
    return groups


@pytest.fixture
def passwords(app, runner) -> dict[str, str]:
    """`registry demo --region`, as in a shell: e-mail → the password it printed."""
    result = runner.invoke(args=["demo", "--region"])
    assert result.exit_code == 0, result.output
    found = {}
    for line in result.stdout.splitlines():
        words = line.split()
        if len(words) == 3 and "@" in words[1]:
            found[words[1]] = words[2]
    return found


def test_registry_demo_region_prints_every_account_under_its_organisation(app, runner, passwords):
    db.session.rollback()
    assert [(o.code, o.kind) for o in db.session.scalars(select(Organisation))] == [
        ("GM9001", "municipality"),
        ("GM9002", "municipality"),
        ("GM9003", "municipality"),
        ("SCIV", "shared_service"),
    ]
    assert organisation("GM9001").name == "Gemeente Voorbeeldstad"
    accounts = db.session.scalars(select(User)).all()
    assert len(accounts) == len(passwords) == 4 + 2 * 3 + 2
    for user in accounts:
        assert users.authenticate(user.email, passwords[user.email]) is not None
    places = {
        user.email: {(m.organisation_id, m.role) for m in user.memberships} for user in accounts
    }
    assert places["beheerder@voorbeeldstad.example"] == {(organisation("GM9001").id, "admin")}
    assert places["manager@rivierdal.example"] == {(organisation("GM9002").id, "manager")}
    assert places["redacteur@sciv.example"] == {(organisation("SCIV").id, "editor")}
    assert places["regio@voorbeeldregio.example"] == {(None, "auditor")}
    assert places["catalogus@voorbeeldregio.example"] == {(None, "editor")}
    # Each organisation's gaps, as a member's command gives them.
    result = runner.invoke(args=["gaps", "--organisation", "GM9002", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "belastingen-woz" in result.output and "medewerkersportaal" not in result.output


def test_each_organisation_holds_its_own_files_and_shares_the_catalogue(region):
    numbers = set()
    for code, folder in folders().items():
        with tenancy.acting_in(scope(code)):
            people = db.session.scalars(select(Person.employee_number)).all()
            services = db.session.scalars(select(Service.code)).all()
            assert len(people) == len(rows_of(folder, "people.csv"))
            assert sorted(services) == sorted(r["code"] for r in rows_of(folder, "services.csv"))
            assert db.session.scalar(select(func.count()).select_from(Competence)) == 84
            numbers.add(frozenset(people))
            # What was imported into it comes back out of it unchanged.
            plan = interchange.plan_import(demo.organisation_files(folder))
            assert plan.ok and all(c.create == c.update == 0 for c in plan.counts.values())
            db.session.rollback()
    # Employee numbers and service codes recur: they are unique per organisation only.
    assert db.session.scalar(select(func.count()).where(Person.employee_number == "P04")) == 4
    assert db.session.scalar(select(func.count()).where(Service.code == "zaakgericht-werken")) == 4
    assert len(set.intersection(*map(set, numbers))) >= 14
    # One Dimpact for all of them.
    dimpact = db.session.scalars(select(Provider).filter_by(name=DIMPACT)).one()
    owners = db.session.scalars(
        select(Service.organisation_id).where(Service.provider_id == dimpact.id).distinct()
    ).all()
    assert len(owners) == 4


def test_each_organisation_has_its_gaps(region):
    for code in CODES:
        with tenancy.acting_in(scope(code)):
            rows = gaps.analyse(date.today(), 90)
        statuses = {row.status for row in rows}
        assert rules.UNASSIGNED in statuses and rules.COVERED in statuses, code
        services = {r["code"] for r in rows_of(folders()[code], "services.csv")}
        assert {row.service_code for row in rows} == services, code


def test_a_member_of_rivierdal_sees_no_voorbeeldstad_person(app, client, passwords):
    email = "manager@rivierdal.example"
    answer = client.post("/login", data={"email": email, "password": passwords[email]})
    assert answer.status_code == 302
    theirs = rows_of("voorbeeldstad", "people.csv")
    ours = rows_of("rivierdal", "people.csv")
    pages = [
        client.get(url).get_data(as_text=True)
        for url in ("/people/", "/people/?page=2", "/reports/gaps", "/reports/", "/services/")
    ]
    pages += [
        client.get(f"/people/{row['employee_number']}").get_data(as_text=True) for row in ours
    ]
    seen = "\n".join(pages)
    for row in theirs:
        assert row["name"] not in seen, row["employee_number"]
    assert "Dirk van Wijk" in seen  # Rivierdal's P04, where Voorbeeldstad has Henk Jansen
    assert client.get("/people/P41").status_code == 404  # Voorbeeldstad has a P41, Rivierdal not
    search = client.get("/people/?q=Jansen").get_data(as_text=True)
    assert "Henk Jansen" not in search and "Jansen" in search  # in the search field only


def test_the_region_auditor_reads_every_organisation(app, client, passwords):
    email = "regio@voorbeeldregio.example"
    answer = client.post("/login", data={"email": email, "password": passwords[email]})
    assert answer.status_code == 302
    assert "Henk Jansen" in client.get("/people/P04").get_data(as_text=True)
    client.post("/organisation", data={"organisation": organisation("GM9002").id})
    assert "Dirk van Wijk" in client.get("/people/P04").get_data(as_text=True)


def test_the_plain_demo_stays_one_organisation(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    assert [o.code for o in db.session.scalars(select(Organisation))] == ["ORG"]
    assert "GM9001" not in result.output and "region" not in result.output
