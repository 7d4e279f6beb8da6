"""No N+1 on the people and account pages: statement counts do not grow with the rows shown."""

from registry.core.extensions import db
from tests import factories
from tests.support import counting


def add_rows(start: int, count: int, unit, competence, service) -> None:
    for n in range(start, start + count):
        sub = factories.make_org_unit(name=f"Team {n}", path=f"{unit.path} / Team {n}", parent=unit)
        person = factories.make_person(name=f"Person {n}", org_unit=sub)
        factories.make_holding(person=person, competence=competence)
        factories.make_assignment(person=person, service=service)
        factories.make_user(role="editor", person=person, org_unit=sub)
    db.session.commit()


def measure(client, urls):
    result = {}
    for url in urls:
        client.get(url)  # warm up
        with counting() as statements:
            assert client.get(url).status_code == 200, url
        result[url] = len(statements)
    return result


def test_list_and_form_pages_do_not_issue_a_query_per_row(client_as):
    unit = factories.make_org_unit(name="Directie")
    competence = factories.make_competence(code="CM")
    service = factories.make_service(code="zaken")
    add_rows(0, 2, unit, competence, service)
    client = client_as("admin")
    urls = [
        "/people/",
        f"/people/?org_unit={unit.id}",
        "/people/org-units",
        "/people/new",
        "/people/assignments/new?service=zaken",
        "/people/holdings/new?competence=CM",
        "/users/",
        "/users/review",
        "/users/review.csv",
    ]
    small = measure(client, urls)
    add_rows(2, 6, unit, competence, service)
    large = measure(client, urls)
    grown = {url: (small[url], large[url]) for url in urls if small[url] != large[url]}
    assert not grown, f"statements grew with the rows: {grown}"
