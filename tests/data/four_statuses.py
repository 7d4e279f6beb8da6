"""A small registry with one requirement per status over two services (the gap report's
command-line and API tests share it)."""

from datetime import date

from registry.core.extensions import db
from tests import factories

D = date(2025, 6, 2)


def four_statuses():
    """Four requirements, one per status, over two services."""
    alpha = factories.make_service(code="alpha", criticality="critical")
    beta = factories.make_service(code="beta", criticality="low")
    cm = factories.make_competence(code="CM")
    sec = factories.make_competence(code="SEC")
    stayer = factories.make_person(name="Stayer")
    leaver = factories.make_person(name="Leaver", leave_date=date(2025, 7, 1))
    other = factories.make_person(name="Elsewhere")
    for person in (stayer, leaver):
        factories.make_assignment(person, alpha)
        factories.make_assignment(person, beta)
    factories.make_assignment(other, factories.make_service(code="gamma", status="retired"))
    factories.make_holding(stayer, cm, level=4)
    factories.make_holding(leaver, sec, level=3)
    factories.make_holding(other, sec, level=5)
    factories.make_requirement(alpha, cm, required_level=3, min_holders=1)  # covered
    factories.make_requirement(alpha, sec, required_level=3, min_holders=1)  # leaving
    factories.make_requirement(beta, cm, required_level=3, min_holders=2)  # undercovered
    factories.make_requirement(beta, sec, required_level=5, min_holders=1)  # unassigned
    db.session.commit()
