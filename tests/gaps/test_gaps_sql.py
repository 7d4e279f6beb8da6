"""The set-based SQL gap analysis agrees with the pure rules: the boundary table of
`tests/unit/test_gap_rules.py` through factories, and a property test over random registries
and dates comparing every field of every row, key people, what-if, holders and suggestions."""

from dataclasses import fields
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from registry.audit.services import audit
from registry.catalogue.models.competences import Competence
from registry.catalogue.models.services import Requirement, Service
from registry.core.extensions import db
from registry.gaps import services as service
from registry.gaps.rules import gaps as rules
from registry.gaps.services import sql as gap_sql
from registry.people.models.holdings import Assignment, Holding
from registry.people.models.staff import Person
from tests import factories
from tests.data.gap_cases import CASES, Case, D, H, day, registry_for
from tests.data.insert import insert_registry
from tests.support import empty_database

GAP_FIELDS = [f.name for f in fields(rules.Gap)]


def save_with_factories(registry: rules.Registry) -> dict[str, dict[int, int]]:
    """Write a domain registry through the factories; returns domain id → database id."""
    units = {
        uid: factories.make_org_unit().id
        for uid in {p.org_unit_id for p in registry.people} - {None}
    }
    people = {
        p.id: factories.make_person(
            name=p.name or f"Person {p.id}",
            start_date=p.start_date,
            leave_date=p.leave_date,
            org_unit_id=units.get(p.org_unit_id),
        )
        for p in registry.people
    }
    services = {
        s.id: factories.make_service(
            code=s.code, status=s.status, criticality=s.criticality, contract_end=s.contract_end
        )
        for s in registry.services
    }
    competences = {
        c.id: factories.make_competence(code=c.code, retired=c.retired)
        for c in registry.competences
    }
    requirements = {
        r.id: factories.make_requirement(
            services[r.service_id],
            competences[r.competence_id],
            required_level=r.required_level,
            min_holders=r.min_holders,
        ).id
        for r in registry.requirements
    }
    for a in registry.assignments:
        factories.make_assignment(
            people[a.person_id], services[a.service_id], start_on=a.start_on, end_on=a.end_on
        )
    for h in registry.holdings:
        factories.make_holding(
            people[h.person_id],
            competences[h.competence_id],
            level=h.level,
            assessed_on=h.assessed_on,
            expires_on=h.expires_on,
        )
    return {"people": {k: v.id for k, v in people.items()}, "requirements": requirements}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_boundary_through_sql(app, case):
    save_with_factories(registry_for(case))
    rows = [r for r in service.analyse(D, H) if r.service_code == "svc"]
    if case.expected is None:
        assert rows == []
        return
    (row,) = rows
    assert (row.holders_now, row.holders_at_horizon, row.candidates, row.status) == case.expected
    assert row.severity == rules.SEVERITY[case.expected[3]]
    assert row.risk == row.severity * rules.CRITICALITY_WEIGHT["medium"]
    assert row.contract_ending is case.contract_ending


def test_row_carries_labels_and_filters_run_in_sql(app):
    provider = factories.make_provider(name="Dimpact")
    framework = factories.make_framework(name="e-CF")
    svc = factories.make_service(
        code="zaak", name="Zaaksysteem", provider=provider, criticality="critical"
    )
    comp = factories.make_competence(
        code="CM", name="Contract management", framework=framework, area="Sourcing"
    )
    requirement = factories.make_requirement(svc, comp, required_level=3, min_holders=1)
    other = factories.make_requirement(factories.make_service(code="web"), comp)
    (row,) = service.analyse(D, H, service_ids=[svc.id])
    assert (
        row.requirement_id,
        row.provider_name,
        row.framework_name,
        row.area,
        row.service_name,
        row.competence_name,
        row.status,
        row.risk,
    ) == (
        requirement.id,
        "Dimpact",
        "e-CF",
        "Sourcing",
        "Zaaksysteem",
        "Contract management",
        rules.UNASSIGNED,
        3 * 4,
    )
    f = service.GapFilter
    assert [r.requirement_id for r in service.analyse(D, H, f(provider_ids=(provider.id,)))] == [
        requirement.id
    ]
    assert {r.requirement_id for r in service.analyse(D, H, f(areas=("Sourcing",)))} == {
        requirement.id,
        other.id,
    }
    assert service.analyse(D, H, f(statuses=(rules.COVERED,))) == []
    assert service.analyse(D, H, f(criticalities=("low",))) == []
    assert [
        r.requirement_id
        for r in service.analyse(
            D, H, f(framework_ids=(framework.id,), criticalities=("critical",))
        )
    ] == [requirement.id]


def test_qualified_holders_and_suggestions_for_many_requirements(app):
    registry = registry_for(Case("", other_holder={"level": 4}))
    ids = save_with_factories(registry)
    rid = ids["requirements"][1]
    holders = service.qualified_holders([rid, 999_999], D)
    assert [h.person_id for h in holders[rid]] == [ids["people"][1]]
    assert holders[999_999] == []
    (suggested,) = service.suggestions_for([rid], D, H).values()
    assert [(s.person_id, s.kind, s.level) for s in suggested] == [
        (ids["people"][20], "candidate", 4)
    ]


def test_key_people_and_what_if(app):
    ids = save_with_factories(registry_for(CASES[0]))
    person = ids["people"][1]
    assert service.key_people(D, H) == {person}
    assert service.key_people(D, H, person_ids=[person + 1]) == set()
    result = service.what_if({person: day(3)}, as_of=D, horizon=H)
    ((before, after),) = result.worsened
    assert (before.status, after.status) == (rules.COVERED, rules.LEAVING)
    assert (result.coverage_before, result.coverage_after) == (100.0, 0.0)
    assert db.session.get(Person, person).leave_date is None  # nothing written


def test_what_if_later_than_the_real_leave_date_changes_nothing(app):
    ids = save_with_factories(registry_for(Case("", person={"leave_date": day(3)})))
    result = service.what_if({ids["people"][1]: day(20)}, as_of=D, horizon=H)
    assert (result.worsened, result.coverage_before, result.coverage_after) == ([], 0.0, 0.0)
    ended = service.what_if({}, {(ids["people"][1], 999): D}, as_of=D, horizon=H)
    assert ended.worsened == []  # an assignment the person does not have: nothing changes


def test_summaries(app):
    provider = factories.make_provider(name="GovUnited")
    save_with_factories(registry_for(Case("", service={"status": "active"})))
    factories.make_requirement(factories.make_service(code="hosting", provider=provider))
    rows = service.analyse(D, H)
    assert service.status_counts(rows) == {
        rules.UNASSIGNED: 1,
        rules.LEAVING: 0,
        rules.UNDERCOVERED: 0,
        rules.COVERED: 1,
    }
    by_provider = service.coverage_by_provider(rows)
    assert [(s.label, s.requirements, s.coverage) for s in by_provider] == [
        ("GovUnited", 1, 0.0),
        (None, 1, 100.0),
    ]
    by_service = {k: s.coverage for k, s in service.coverage_by_service(rows).items()}
    assert by_service == {r.service_id: 100.0 if r.service_code == "svc" else 0.0 for r in rows}


@pytest.fixture
def cached(app, monkeypatch):
    """The app with the gap cache on; yields the list of filters each computation ran with."""
    app.config["GAP_CACHE"] = True
    service.clear_cache()
    calls = []
    compute = gap_sql.compute

    def recording(as_of, horizon, filters):
        calls.append(filters)
        return compute(as_of, horizon, filters)

    monkeypatch.setattr(gap_sql, "compute", recording)
    yield calls
    service.clear_cache()


def _audited(action, entity, obj, before=None):
    """Record a write the way the services do, and commit it."""
    after = None if action == "delete" else audit.snapshot(obj)
    if action == "update":
        before, after = audit.changes(before, after)
    audit.record(audit.Actor.system("test"), action, entity, obj.id, before=before, after=after)
    db.session.commit()


def test_cache_follows_every_write_and_recomputes_only_what_changed(app, cached):
    ids = save_with_factories(registry_for(Case("", other_holder={})))
    other_service = db.session.execute(db.select(Service).filter_by(code="other")).scalar_one()
    other_req = factories.make_requirement(other_service, factories.make_competence(code="x"))
    provider = factories.make_provider(name="Before")
    db.session.commit()

    def check(recomputed):
        """The cached figures equal a fresh computation; `recomputed` says what was redone:
        None (nothing), "all", or the set of requirement ids."""
        cached.clear()
        rows = service.analyse(D, H)
        app.config["GAP_CACHE"] = False
        assert rows == service.analyse(D, H)
        app.config["GAP_CACHE"] = True
        done = cached[:-1]  # the last call is the uncached comparison above
        if recomputed is None:
            assert done == []
        elif recomputed == "all":
            assert done == [None]
        else:
            assert [set(f.requirement_ids) for f in done] == [recomputed]
        db.session.rollback()
        return {r.requirement_id: r for r in rows}

    rid = ids["requirements"][1]
    assert check("all")[rid].status == rules.COVERED  # the first view fills the cache
    assert check(None)[rid].status == rules.COVERED  # then it is served as it is

    audit.record(audit.Actor.system("test"), "login", "user", 1)
    db.session.commit()
    check(None)  # a login changes no figure: nothing is recomputed

    person = db.session.get(Person, ids["people"][1])
    holding = db.session.execute(db.select(Holding).filter_by(person_id=person.id)).scalar_one()
    before = audit.snapshot(holding)
    holding.level = 2
    _audited("update", "holding", holding, before)
    assert check({rid})[rid].status == rules.UNASSIGNED

    before = audit.snapshot(person)
    person.leave_date = day(10)
    _audited("update", "person", person, before)
    check({rid})

    assignment = db.session.execute(
        db.select(Assignment).filter_by(person_id=person.id)
    ).scalar_one()
    before = audit.snapshot(assignment)
    db.session.delete(assignment)
    db.session.flush()
    _audited("delete", "assignment", assignment, before)
    check("all")  # a deleted assignment no longer says which service it was on

    comp = db.session.execute(db.select(Competence).filter_by(code="comp")).scalar_one()
    new = factories.make_requirement(other_service, comp)
    _audited("create", "requirement", new)
    assert new.id in check({new.id})

    before = audit.snapshot(other_service)
    other_service.provider = provider
    _audited("update", "service", other_service, before)
    check({new.id, other_req.id})
    before = audit.snapshot(provider)
    provider.name = "After"
    _audited("update", "provider", provider, before)
    assert check({new.id, other_req.id})[new.id].provider_name == "After"

    before = audit.snapshot(other_service)
    other_service.status = "retired"
    _audited("update", "service", other_service, before)
    assert set(check({new.id, other_req.id})) == {rid}

    audit.record(audit.Actor.system("test"), "import", "import", after={"rows": 1})
    db.session.commit()
    check("all")  # an import can touch anything


def test_cache_is_bypassed_inside_a_writing_transaction(app, cached):
    ids = save_with_factories(registry_for(CASES[0]))
    db.session.commit()
    assert service.analyse(D, H)[0].status == rules.COVERED
    person = db.session.get(Person, ids["people"][1])
    person.leave_date = day(3)
    assert service.analyse(D, H)[0].status == rules.LEAVING  # pending change: no cache
    db.session.rollback()
    assert service.analyse(D, H)[0].status == rules.COVERED


# --- the property test ------------------------------------------------------------------------

BASE = date(2025, 1, 1)


def _ordered(a, b):
    if a is not None and b is not None and b < a:
        return b, a
    return a, b


@st.composite
def scenarios(draw):
    """A small random registry, an as-of date and horizon, and a hypothetical what-if.

    Dates cluster on the boundaries (the day before, on and after D and E) where an
    off-by-one would show, and registries are dense enough that most requirements have
    assigned holders."""
    as_of = BASE + timedelta(days=draw(st.integers(0, 30)))
    horizon = draw(st.integers(0, 30))
    end = as_of + timedelta(days=horizon)

    def around(*offsets):
        return [d + timedelta(days=k) for d in (as_of, end) for k in offsets]

    past = as_of - timedelta(days=100)
    # Beginnings (start, assignment start, assessment) mostly lie in the past; ends (leave,
    # assignment end, expiry) are mostly open; both cluster on the boundaries otherwise.
    # The open or long-past case is repeated so that a typical person is qualified and about
    # a quarter of the dates falls on a boundary.
    begins = st.sampled_from([past] * 12 + [None] * 6 + around(-1, 0, 1))
    ends = st.sampled_from([None] * 18 + around(-1, 0, 1) + [end + timedelta(days=60)])
    some_date = st.sampled_from(around(-1, 0, 1, 10))
    maybe_date = st.none() | some_date

    n_people = draw(st.integers(1, 6))
    people = []
    for pid in range(1, n_people + 1):
        start, leave = _ordered(draw(begins), draw(ends))
        people.append(
            rules.Person(
                pid,
                start,
                leave,
                draw(st.sampled_from("ABC")) + str(pid),
                draw(st.sampled_from([None, 1, 2])),
            )
        )
    services = tuple(
        rules.Service(
            sid,
            f"s{sid}",
            draw(st.sampled_from(["active", "planned", "retired"])),
            draw(st.sampled_from(list(rules.CRITICALITY_WEIGHT))),
            draw(maybe_date),
        )
        for sid in range(1, draw(st.integers(1, 2)) + 1)
    )
    competences = tuple(
        rules.Competence(cid, f"c{cid}", draw(st.integers(0, 3)) == 3)
        for cid in range(1, draw(st.integers(1, 2)) + 1)
    )
    pairs = [(s.id, c.id) for s in services for c in competences]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, min_size=1))
    requirements = tuple(
        rules.Requirement(
            rid, sid, cid, draw(st.sampled_from([3, 2, 4, 1])), draw(st.sampled_from([2, 1, 3]))
        )
        for rid, (sid, cid) in enumerate(chosen, start=1)
    )
    person_ids = st.integers(1, n_people)
    # Dense on purpose: most people are assigned to most services and hold most competences,
    # so requirements reach two or three holders and every status turns up.
    assignments = [
        rules.Assignment(p.id, s.id, *_ordered(draw(begins), draw(ends)))
        for p in people
        for s in services
        if draw(st.integers(0, 3)) != 3
    ]
    levels = st.sampled_from([3, 3, 4, 4, 5, None, 2, 1])
    holdings = []
    for p in people:
        for c in competences:
            level = draw(levels)
            if level is not None:
                holdings.append(
                    rules.Holding(p.id, c.id, level, *_ordered(draw(begins), draw(ends)))
                )
    registry = rules.Registry(
        tuple(people), services, competences, requirements, tuple(assignments), tuple(holdings)
    )
    leaving = draw(st.dictionaries(person_ids, some_date, max_size=2))
    ending = draw(
        st.dictionaries(
            st.sampled_from([(a.person_id, a.service_id) for a in assignments] or [(1, 1)]),
            some_date,
            max_size=2,
        )
    )
    return registry, as_of, horizon, leaving, ending


def _gap_fields(gap) -> dict:
    return {name: getattr(gap, name) for name in GAP_FIELDS}


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenarios())
def test_sql_agrees_with_the_pure_rules(app, scenario):
    registry, as_of, horizon, leaving, ending = scenario
    insert_registry(registry)
    try:
        expected = rules.compute_gaps(registry, as_of, horizon)
        for gap in expected:
            event(
                f"{gap.status} (now {min(gap.holders_now, 2)}, later "
                f"{min(gap.holders_at_horizon, 2)}, candidates {min(gap.candidates, 1)})"
            )
        actual = service.analyse(as_of, horizon)
        assert [_gap_fields(r) for r in actual] == [_gap_fields(g) for g in expected]

        key = rules.key_people(registry, as_of, horizon)
        assert service.key_people(as_of, horizon) == key
        everyone = [p.id for p in registry.people]
        assert service.key_people(as_of, horizon, person_ids=everyone) == key  # per person

        pure = rules.what_if(registry, as_of, horizon, leaving, ending)
        sql = service.what_if(leaving, ending, as_of, horizon)
        assert [(_gap_fields(b), _gap_fields(a)) for b, a in sql.worsened] == [
            (_gap_fields(b), _gap_fields(a)) for b, a in pure.worsened
        ]
        assert (sql.coverage_before, sql.coverage_after) == (
            pure.coverage_before,
            pure.coverage_after,
        )

        ids = [r.id for r in registry.requirements]
        holders = service.qualified_holders(ids, as_of)
        first_two = service.qualified_holders(ids, as_of, limit=2)
        suggested = service.suggestions_for(ids, as_of, horizon)
        for rid in ids:
            assert {h.person_id for h in holders[rid]} == rules.qualified_people(
                registry, rid, as_of
            )
            assert first_two[rid] == holders[rid][:2]  # the database picks the same first ones
            assert [(s.person_id, s.level, s.kind, s.shares_org_unit) for s in suggested[rid]] == [
                (s.person_id, s.level, s.kind, s.shares_org_unit)
                for s in rules.suggestions(registry, rid, as_of, horizon)
            ]
    finally:
        db.session.rollback()


# --- the cache's contract: random writes never leave a stale figure ------------------------

WRITES = (
    "holding level",
    "holding expires",
    "holding create",
    "holding delete",
    "person leaves",
    "person stays",
    "assignment create",
    "assignment ends",
    "assignment delete",
    "requirement holders",
    "requirement create",
    "service status",
    "service provider",
    "competence retired",
    "login",
)


def _write(kind: str, pick: int, base: dict) -> None:
    """One write as the services make it (change, flush, audit event), committed."""
    session = db.session

    def nth(model, **where):
        rows = session.scalars(db.select(model).filter_by(**where).order_by(model.id)).all()
        return rows[pick % len(rows)] if rows else None

    def audited(action, entity, obj, before=None):
        session.flush()
        after = None if action == "delete" else audit.snapshot(obj)
        if action == "update":
            before, after = audit.changes(before, after)
        audit.record(audit.Actor.system("test"), action, entity, obj.id, before=before, after=after)

    def update(entity, obj, **values):
        before = audit.snapshot(obj)
        for key, value in values.items():
            setattr(obj, key, value)
        audited("update", entity, obj, before)

    def delete(entity, obj):
        before = audit.snapshot(obj)
        session.delete(obj)
        audited("delete", entity, obj, before)

    person = nth(Person)
    if kind == "login":
        audit.record(audit.Actor.system("test"), "login", "user", 1)
    elif kind.startswith("holding") and (holding := nth(Holding)) is not None:
        if kind == "holding level":
            update("holding", holding, level=1 + (holding.level % 5))
        elif kind == "holding expires":
            update("holding", holding, expires_on=None if holding.expires_on else day(pick % 40))
        elif kind == "holding delete":
            delete("holding", holding)
        else:
            competence = nth(Competence)
            if not session.scalar(
                db.select(Holding.id).filter_by(person_id=person.id, competence_id=competence.id)
            ):
                new = Holding(person=person, competence=competence, level=3 + pick % 3)
                session.add(new)
                audited("create", "holding", new)
    elif kind == "person leaves":
        update("person", person, leave_date=day(pick % 40))
    elif kind == "person stays":
        update("person", person, leave_date=None)
    elif kind.startswith("assignment") and (assignment := nth(Assignment)) is not None:
        if kind == "assignment ends":
            update("assignment", assignment, end_on=day(pick % 40))
        elif kind == "assignment delete":
            delete("assignment", assignment)
        else:
            service_ = nth(Service)
            if not session.scalar(
                db.select(Assignment.id).filter_by(person_id=person.id, service_id=service_.id)
            ):
                new = Assignment(person=person, service=service_)
                session.add(new)
                audited("create", "assignment", new)
    elif kind == "requirement holders":
        requirement = nth(Requirement)
        update("requirement", requirement, min_holders=1 + pick % 3)
    elif kind == "requirement create":
        service_, competence = nth(Service), nth(Competence)
        if not session.scalar(
            db.select(Requirement.id).filter_by(service_id=service_.id, competence_id=competence.id)
        ):
            new = Requirement(service=service_, competence=competence, required_level=3)
            session.add(new)
            audited("create", "requirement", new)
    elif kind == "service status":
        service_ = nth(Service)
        update("service", service_, status="retired" if service_.status != "retired" else "active")
    elif kind == "service provider":
        update("service", nth(Service), provider_id=base["provider"])
    elif kind == "competence retired":
        competence = nth(Competence)
        update("competence", competence, retired=not competence.retired)
    session.commit()


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(writes=st.lists(st.tuples(st.sampled_from(WRITES), st.integers(0, 50)), max_size=6))
def test_random_writes_never_leave_a_stale_figure(app, writes):
    empty_database()
    app.config["GAP_CACHE"] = True
    service.clear_cache()
    try:
        save_with_factories(registry_for(Case("", extra_holders=1, other_holder={})))
        base = {"provider": factories.make_provider(name="P").id}
        factories.make_requirement(
            db.session.execute(db.select(Service).filter_by(code="other")).scalar_one(),
            db.session.execute(db.select(Competence).filter_by(code="comp")).scalar_one(),
        )
        db.session.commit()
        service.analyse(D, H)  # the first view fills the cache
        db.session.rollback()
        for kind, pick in writes:
            _write(kind, pick, base)
            cached = service.analyse(D, H)
            db.session.rollback()
            app.config["GAP_CACHE"] = False
            assert cached == service.analyse(D, H), (kind, pick)
            app.config["GAP_CACHE"] = True
            db.session.rollback()
    finally:
        app.config["GAP_CACHE"] = False
        service.clear_cache()
        db.session.rollback()
