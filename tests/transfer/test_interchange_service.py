"""Importing and exporting the interchange files on the database: upserts by key, references,
all-or-nothing with every problem named, audit events, lossless round trips, bulk queries."""

import hashlib
import json
from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy import event, func, select

from registry.audit.models.audit import AuditEvent
from registry.audit.services import audit
from registry.catalogue.models.competences import Competence, Framework
from registry.catalogue.models.services import Provider, Requirement, Service
from registry.core.errors import ServiceError
from registry.core.extensions import db
from registry.people.models.holdings import Assignment, Holding
from registry.people.models.staff import OrgUnit, Person
from registry.transfer.services import interchange
from tests import factories
from tests.data.transfer import DATA, run_import
from tests.support import events

ACTOR = audit.Actor.system("test")
TABLES = (
    Framework,
    Provider,
    OrgUnit,
    Competence,
    Person,
    Service,
    Requirement,
    Assignment,
    Holding,
    AuditEvent,
)


def row_counts() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in TABLES
    }


def csv_files(**files: str) -> dict[str, bytes]:
    """{"people": "..."} → {"people.csv": b"..."}"""
    return {f"{name}.csv": text.encode() for name, text in files.items()}


# --- a valid folder -----------------------------------------------------------------------


def test_import_of_a_dutch_excel_folder_creates_every_record(app):
    plan = run_import(interchange.read_folder(DATA / "excel_nl"))

    assert {name: (c.create, c.update, c.unchanged) for name, c in plan.counts.items()} == {
        "competences.csv": (2, 0, 0),
        "people.csv": (2, 0, 0),
        "services.csv": (1, 0, 0),
        "requirements.csv": (2, 0, 0),
        "assignments.csv": (2, 0, 0),
        "holdings.csv": (2, 0, 0),
    }
    zoe = db.session.scalars(select(Person).filter_by(employee_number="E001")).one()
    assert (zoe.name, zoe.email, zoe.start_date) == (
        "Zoë Çelik",
        "zoe@example.org",
        date(2019, 3, 1),
    )
    assert zoe.org_unit.path == "Directie Bedrijfsvoering / Team Regie"
    assert zoe.org_unit.parent.path == "Directie Bedrijfsvoering"
    henk = db.session.scalars(select(Person).filter_by(employee_number="E002")).one()
    assert henk.job_title == "=Regisseur"  # the neutralising apostrophe is taken off
    assert henk.leave_date == date(2027, 1, 1)
    service = db.session.scalars(select(Service)).one()
    assert (service.code, service.criticality, service.owner, service.provider.name) == (
        "zaaksysteem",
        "critical",
        zoe,
        "Coöperatie Dimpact",
    )
    cm01, cm02 = db.session.scalars(select(Competence).order_by(Competence.code))
    assert cm01.description == "Stuurt op afspraken; bewaakt de SLA"
    assert (cm01.retired, cm02.retired) == (False, True)
    assert cm01.framework.name == "Eigen raamwerk"
    assert cm01.framework.key == "eigen-raamwerk"
    requirement = db.session.scalars(select(Requirement).filter_by(competence=cm02)).one()
    assert (requirement.required_level, requirement.min_holders) == (4, 1)
    holding = db.session.scalars(select(Holding).filter_by(person=zoe)).one()
    assert (holding.level, holding.expires_on, holding.assessed_by) == (4, date(2028, 3, 1), "HR")
    assignment = db.session.scalars(select(Assignment).filter_by(person=henk)).one()
    assert (assignment.role, assignment.end_on) == ("back-up", date(2027, 1, 1))


def test_an_import_is_one_summary_event_with_the_digest_of_every_file(app):
    files = interchange.read_folder(DATA / "excel_nl")
    run_import(files)
    created = [e.entity for e in events() if e.action == "create"]
    # the frameworks, org units and providers created by name have events of their own
    assert sorted(created) == ["framework", "org_unit", "org_unit", "provider"]
    summary = events("import", "import")
    assert len(summary) == 1 and summary[0].seq == len(events())
    after = json.loads(summary[0].after)
    assert after["files"]["holdings.csv"] == {"create": 2, "update": 0, "unchanged": 0}
    assert after["created"] == {"framework": 1, "provider": 1, "org_unit": 2}
    assert after["sha256"] == {
        name: hashlib.sha256(data).hexdigest() for name, data in files.items()
    }
    assert audit.verify_chain().ok


def test_with_the_setting_every_created_record_has_an_audit_event(app):
    app.config["IMPORT_AUDIT_EACH_RECORD"] = True
    run_import(interchange.read_folder(DATA / "excel_nl"))
    created = [(e.entity, e.action) for e in events() if e.action == "create"]
    # 1 framework, 2 org units, 1 provider and the 11 records of the files
    assert len(created) == 15
    assert {entity for entity, _ in created} == {
        "framework",
        "org_unit",
        "provider",
        "competence",
        "person",
        "service",
        "requirement",
        "assignment",
        "holding",
    }
    person = db.session.scalars(select(Person).filter_by(employee_number="E001")).one()
    event_of_person = next(e for e in events("person") if e.entity_id == str(person.id))
    assert json.loads(event_of_person.after)["name"] == "Zoë Çelik"
    assert json.loads(event_of_person.after) == audit.snapshot(person)
    assert audit.verify_chain().ok


# --- upserts ------------------------------------------------------------------------------


def test_upsert_changes_only_what_differs_and_audits_only_changes(app):
    factories.make_person(
        employee_number="E1", name="Anna", email="anna@example.org", job_title="Adviseur"
    )
    factories.make_person(employee_number="E2", name="Bram")
    db.session.commit()
    before = len(events())

    plan = run_import(
        csv_files(
            people="employee_number,name,job_title\nE1,Anna,Contractmanager\nE2,Bram,\nE3,Cas,\n"
        )
    )

    assert plan.counts["people.csv"] == interchange.Counts(create=1, update=1, unchanged=1)
    anna = db.session.scalars(select(Person).filter_by(employee_number="E1")).one()
    assert anna.job_title == "Contractmanager"
    assert anna.email == "anna@example.org"  # a column the file lacks is left as it is
    assert anna.version == 2
    new = events()[before:]
    assert [(e.entity, e.action) for e in new] == [("person", "update"), ("import", "import")]
    assert json.loads(new[0].before) == {"job_title": "Adviseur"}
    assert json.loads(new[0].after) == {"job_title": "Contractmanager"}


def test_the_same_import_twice_changes_nothing_the_second_time(app):
    files = interchange.read_folder(DATA / "excel_nl")
    run_import(files)
    before = len(events())
    plan = run_import(files)
    assert all(c.create == c.update == 0 for c in plan.counts.values())
    assert plan.counts["holdings.csv"].unchanged == 2
    assert [(e.entity, e.action) for e in events()[before:]] == [("import", "import")]


def test_references_may_point_to_the_database_or_to_the_same_import(app):
    person = factories.make_person(employee_number="E1")
    competence = factories.make_competence(code="C1")
    factories.make_service(code="svc")
    db.session.commit()
    run_import(
        csv_files(
            competences="code,name\nC2,Nieuw\n",
            holdings="employee_number,competence,level\nE1,C1,3\nE1,C2,4\n",
            requirements="service,competence\nsvc,C2\n",
        )
    )
    levels = {
        h.competence.code: h.level
        for h in db.session.scalars(select(Holding).filter_by(person=person))
    }
    assert levels == {"C1": 3, "C2": 4}
    requirement = db.session.scalars(select(Requirement)).one()
    assert (requirement.competence.code, requirement.required_level, requirement.min_holders) == (
        "C2",
        3,
        2,
    )  # the defaults of DESIGN
    assert competence.framework is None


def test_names_and_paths_match_existing_records_before_new_ones_are_created(app):
    unit = factories.make_org_unit(name="Directie", path="Directie")
    team = factories.make_org_unit(name="Team Regie", path="Directie / Team Regie", parent=unit)
    factories.make_provider(name="Dimpact")
    factories.make_framework(name="e-CF", key="ecf")
    db.session.commit()
    plan = run_import(
        csv_files(
            people="employee_number,name,org_unit\nE1,A,Directie/Team Regie\nE2,B,team regie\n"
            "E3,C,Directie / Team Nieuw\n",
            services="code,name,provider\ns1,S,DIMPACT\ns2,T,Centric\n",
            competences="code,name,framework\nC1,X,e-CF\nC2,Y,Eigen\n",
        )
    )
    assert plan.new_references == {
        "org_unit": ["Directie / Team Nieuw"],
        "provider": ["Centric"],
        "framework": ["Eigen"],
    }
    units = {p.employee_number: p.org_unit_id for p in db.session.scalars(select(Person))}
    assert units["E1"] == units["E2"] == team.id
    new_unit = db.session.get(OrgUnit, units["E3"])
    assert (new_unit.name, new_unit.parent_id) == ("Team Nieuw", unit.id)
    assert db.session.scalar(select(func.count()).select_from(Provider)) == 2


def test_a_new_record_needs_its_required_columns(app):
    factories.make_person(employee_number="E1")
    db.session.commit()
    plan = interchange.plan_import(csv_files(people="employee_number,job_title\nE1,x\nE2,y\n"))
    with force_locale("en"):
        assert [str(p) for p in plan.problems] == [
            "people.csv:3: name is required for a new record (E2 is not in the registry yet)."
        ]


def test_date_order_is_checked_against_the_stored_record(app):
    factories.make_person(employee_number="E1", start_date=date(2024, 5, 1))
    db.session.commit()
    plan = interchange.plan_import(csv_files(people="employee_number,leave_date\nE1,2024-04-30\n"))
    with force_locale("en"):
        assert [str(p) for p in plan.problems] == [
            "people.csv:2: leave_date 2024-04-30 is before start_date 2024-05-01."
        ]


# --- all or nothing -----------------------------------------------------------------------


BROKEN = [
    "competences.csv:1: Unknown column colour; the columns of competences.csv are: code, "
    "name, framework, area, description, retired, name_en, description_en.",
    "competences.csv:3: Duplicate key C1: it is also on line 2.",
    "people.csv:2: start_date: 2024-02-30 is an impossible date.",
    "people.csv:3: leave_date 2024-04-30 is before start_date 2024-05-01.",
    "people.csv:4: start_date: 01/05/2024 is not a date; write dates as YYYY-MM-DD.",
    "services.csv:2: Unknown owner E9: it is neither in the registry nor in people.csv.",
    "requirements.csv:2: required_level: 0 is not a level; use a whole number from 1 to 5.",
    "requirements.csv:2: min_holders: 0 is not a number of holders; use a whole number from "
    "1 to 99.",
    "holdings.csv:2: level: 6 is not a level; use a whole number from 1 to 5.",
    "holdings.csv:3: Unknown competence C9: it is neither in the registry nor in competences.csv.",
]


def test_a_broken_folder_is_refused_whole_with_every_problem_named(app):
    factories.make_person(employee_number="E0")
    db.session.commit()
    counts = row_counts()
    plan = interchange.plan_import(interchange.read_folder(DATA / "broken"))
    assert not plan.ok
    with force_locale("en"):
        assert [str(p) for p in plan.problems] == BROKEN
    assert (plan.problems[0].file, plan.problems[0].line) == ("competences.csv", 1)
    with pytest.raises(ServiceError):
        interchange.apply_import(ACTOR, plan)
    db.session.rollback()
    assert row_counts() == counts


def test_problems_are_in_the_users_language(app):
    plan = interchange.plan_import(
        csv_files(holdings="employee_number,competence,level\nE1,C1,6\n")
    )
    problem = plan.problems[0]
    with force_locale("en"):
        assert problem.message.startswith("level: 6 is not a level")
    assert str(problem).startswith("holdings.csv:2: ")


def test_unknown_file_names_are_problems_too(app):
    plan = interchange.plan_import(
        {"medewerkers.csv": b"a,b\n", "people.csv": b"employee_number,name\nE1,A\n"}
    )
    with force_locale("en"):
        assert [str(p) for p in plan.problems] == [
            "medewerkers.csv: Unknown file medewerkers.csv; the interchange files are: "
            "competences.csv, people.csv, services.csv, requirements.csv, assignments.csv, "
            "holdings.csv."
        ]
    assert plan.counts["people.csv"].create == 1  # still checked: every problem in one go


def test_a_plan_is_applied_once(app):
    plan = run_import(csv_files(competences="code,name\nC1,A\n"))
    with pytest.raises(ServiceError):
        interchange.apply_import(ACTOR, plan)


# --- export and round trips ---------------------------------------------------------------


def make_registry():
    """A registry with the awkward cases: formulas, quotes, separators, line breaks, accents,
    empty values, deep org units, retired competences, every date column."""
    framework = factories.make_framework(name='Eigen; "raamwerk"')
    provider = factories.make_provider(name="=Leverancier, B.V.")
    directie = factories.make_org_unit(name="Directie", path="Directie")
    team = factories.make_org_unit(name="Team Ç", path="Directie / Team Ç", parent=directie)
    anna = factories.make_person(
        employee_number="E1",
        name="Anna 'Ans' de Wit",
        email="anna@example.org",
        org_unit=team,
        job_title="-senior-",
        start_date=date(2001, 2, 3),
        leave_date=date(2030, 1, 1),
    )
    bram = factories.make_person(employee_number="E10", name="+Bram", start_date=None)
    c1 = factories.make_competence(
        code="C1",
        name="Contract",
        framework=framework,
        area="Regie",
        description='regel 1\nregel 2, met "x"',
    )
    c2 = factories.make_competence(code="C2", name="@Oud", retired=True)
    service = factories.make_service(
        code="zaak",
        name="Zaak",
        provider=provider,
        owner=anna,
        criticality="critical",
        status="planned",
        contract_start=date(2020, 1, 1),
        contract_end=date(2027, 12, 31),
        description="'s-Hertogenbosch",
    )
    other = factories.make_service(code="alpha", name="Alpha")
    factories.make_requirement(service, c1, required_level=4, min_holders=1, rationale="=1+1")
    factories.make_requirement(other, c2)
    factories.make_assignment(
        anna, service, role="contractmanager", start_on=date(2020, 1, 1), end_on=date(2026, 1, 1)
    )
    factories.make_assignment(bram, service)
    factories.make_holding(
        anna,
        c1,
        level=5,
        assessed_on=date(2024, 1, 1),
        expires_on=date(2026, 1, 1),
        assessed_by="HR",
        evidence="''=x",
    )
    factories.make_holding(bram, c2, level=1, assessed_on=None)
    db.session.commit()


def empty_the_registry():
    for model in (
        Holding,
        Assignment,
        Requirement,
        Service,
        Competence,
        Framework,
        Person,
        OrgUnit,
        Provider,
    ):
        if model is OrgUnit:
            db.session.execute(OrgUnit.__table__.update().values(parent_id=None))
        db.session.execute(model.__table__.delete())
    db.session.commit()


def test_export_then_import_into_an_empty_database_then_export_is_identical(app):
    make_registry()
    first = interchange.export_files()
    empty_the_registry()
    assert row_counts()["Person"] == 0

    plan = run_import(first)

    assert sum(c.create for c in plan.counts.values()) == 12
    assert interchange.export_files() == first


def test_export_writes_every_column_in_key_order_with_formulas_neutralised(app):
    make_registry()
    files = interchange.export_files()
    assert set(files) == {
        "competences.csv",
        "people.csv",
        "services.csv",
        "requirements.csv",
        "assignments.csv",
        "holdings.csv",
    }
    people = files["people.csv"].decode("utf-8-sig").split("\r\n")
    assert people[0] == "employee_number,name,email,org_unit,job_title,start_date,leave_date"
    assert people[1] == (
        "E1,Anna 'Ans' de Wit,anna@example.org,Directie / Team Ç,'-senior-,2001-02-03,2030-01-01"
    )
    assert people[2] == "E10,'+Bram,,,,,"
    services = files["services.csv"].decode("utf-8-sig").split("\r\n")
    assert [line.split(",")[0] for line in services[1:3]] == ["alpha", "zaak"]
    assert services[2].startswith('zaak,Zaak,"\'=Leverancier, B.V.",critical,planned,')
    assert files["holdings.csv"].decode("utf-8-sig").split("\r\n")[1].endswith(",HR,'''=x")


def test_reimporting_an_export_changes_nothing(app):
    make_registry()
    before = len(events())
    plan = run_import(interchange.export_files())
    assert sum(c.unchanged for c in plan.counts.values()) == 12
    assert not plan.new_references
    assert len(events()) == before + 1


# --- scale: no query per row --------------------------------------------------------------


def count_selects(work) -> int:
    statements = []

    def note(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return len(statements)


def holdings_import(people: int) -> dict[str, bytes]:
    lines = ["employee_number,name"] + [f"N{i:05d},Persoon {i}" for i in range(people)]
    holdings = ["employee_number,competence,level"] + [
        f"N{i:05d},C{j},{1 + (i + j) % 5}" for i in range(people) for j in range(3)
    ]
    competences = ["code,name"] + [f"C{j},Competentie {j}" for j in range(3)]
    return {
        "people.csv": "\n".join(lines).encode(),
        "holdings.csv": "\n".join(holdings).encode(),
        "competences.csv": "\n".join(competences).encode(),
    }


@pytest.mark.parametrize("update", [False, True])
def test_the_number_of_queries_does_not_grow_with_the_rows(app, update):
    def run(people: int):
        files = holdings_import(people)
        if update:  # the same rows again, every level changed
            run_import(files)
            lines = files["holdings.csv"].split(b"\n")
            files["holdings.csv"] = b"\n".join(
                [lines[0]]
                + [line[:-1] + (b"5" if line.endswith(b"4") else b"4") for line in lines[1:]]
            )

        def work():
            plan = interchange.plan_import(files)
            counts = plan.counts["holdings.csv"]
            assert (counts.create, counts.update) == (
                (0, 3 * people) if update else (3 * people, 0)
            )
            interchange.apply_import(ACTOR, plan)
            db.session.flush()

        selects = count_selects(work)
        db.session.rollback()
        empty_the_registry()
        return selects

    assert run(5) == run(120)


def test_export_orders_keys_by_code_point_on_every_database(app):
    """Upper case before lower case, digits and punctuation by their code points, whatever the
    database's collation (PostgreSQL's default sorts "b" before "C"): the same files on both."""
    codes = ["b-2", "C_1", "a.10", "a.9", "Z", "a-1"]
    person = factories.make_person(employee_number="E1")
    for code in codes:
        factories.make_holding(person, factories.make_competence(code=code))
    db.session.commit()
    files = interchange.export_files()
    competences = files["competences.csv"].decode("utf-8-sig").split("\r\n")[1:-1]
    assert [line.split(",")[0] for line in competences] == sorted(codes)
    holdings = files["holdings.csv"].decode("utf-8-sig").split("\r\n")[1:-1]
    assert [line.split(",")[1] for line in holdings] == sorted(codes)
