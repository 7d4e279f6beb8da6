"""A page number beyond any list (page=99999999999999999999) is refused with a clear answer on
every paginated page and in the API (it used to answer 500: the offset overflowed the
database's integers)."""

import pytest

from tests import factories

HUGE = "99999999999999999999"
LISTS = (
    "/people/",
    "/services/",
    "/competences/",
    "/users/",
    "/audit/",
    "/mitigations/",
    "/reports/gaps",
    "/reports/matrix",
    "/reports/trend/",
    "/services/svc",
    "/competences/cmp",
)


@pytest.fixture
def listed(app):
    service = factories.make_service(code="svc")
    competence = factories.make_competence(code="cmp")
    factories.make_requirement(service=service, competence=competence)


@pytest.mark.parametrize("page", [HUGE, "1000001"])
@pytest.mark.parametrize("path", LISTS)
def test_html_lists_refuse_a_page_beyond_the_limit(client_as, listed, path, page):
    response = client_as("admin").get(path, query_string={"page": page})
    assert response.status_code == 404, path
    assert "1000000" in response.get_data(as_text=True).replace(".", "").replace(",", "")


@pytest.mark.parametrize("path", LISTS)
def test_html_lists_accept_the_last_allowed_page(client_as, listed, path):
    assert client_as("admin").get(path, query_string={"page": "1000000"}).status_code == 200


def test_api_lists_refuse_a_page_beyond_the_limit(app, api_as):
    answer = api_as("auditor", scope="read").get("/api/v1/people", query_string={"page": HUGE})
    assert answer.status_code == 422
    assert answer.mimetype == "application/problem+json"
    assert answer.json["errors"][0]["parameter"] == "page"
