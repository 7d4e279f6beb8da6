"""No N+1 in the API: a list's statement count does not grow with the records it returns."""

import pytest

from registry.core.extensions import db
from registry.mitigations.models import Mitigation
from tests import factories
from tests.support import counting

LISTS = [
    "/api/v1/providers",
    "/api/v1/frameworks",
    "/api/v1/competences",
    "/api/v1/services",
    "/api/v1/requirements",
    "/api/v1/mitigations",
    "/api/v1/org-units",
    "/api/v1/people",
    "/api/v1/assignments",
    "/api/v1/holdings",
]


def _grow(n: int) -> None:
    """n more of every kind of record, all linked."""
    for _ in range(n):
        unit = factories.make_org_unit()
        person = factories.make_person(org_unit=unit)
        service = factories.make_service(provider=factories.make_provider(), owner=person)
        competence = factories.make_competence(framework=factories.make_framework())
        requirement = factories.make_requirement(service=service, competence=competence)
        factories.make_assignment(person=person, service=service)
        factories.make_holding(person=person, competence=competence)
        db.session.add(Mitigation(requirement=requirement, kind="training", owner=person))
    db.session.commit()


def _statements(api, url: str) -> int:
    api.get(url)  # warm up
    with counting() as statements:
        response = api.get(url + "?per_page=500")
    assert response.status_code == 200, url
    return len(statements), len(response.json)


@pytest.mark.parametrize("url", LISTS)
def test_list_queries_do_not_grow_with_rows(app, api_as, url):
    api = api_as("auditor", "read")
    _grow(2)
    small, shown_small = _statements(api, url)
    _grow(6)
    large, shown_large = _statements(api, url)
    assert shown_large > shown_small
    assert large == small, f"{url}: {small} statements for {shown_small}, {large} for {shown_large}"
