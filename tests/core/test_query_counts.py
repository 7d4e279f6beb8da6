"""No N+1: the number of SQL statements a page issues does not grow with the rows it shows.

Each page is requested on a small demo municipality and on one three times as large; the
statement counts must be equal.
"""

from urllib.parse import urlencode

import pytest

from registry.core.extensions import db
from tests import factories
from tests.data.registries import PERIOD, demo_registry
from tests.support import counting


def statements_for(client, url: str) -> int:
    url += ("&" if "?" in url else "?") + urlencode(PERIOD)
    client.get(url)  # warm up: first-request work is not the page's
    with counting() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


URLS = [
    "/reports/",
    "/reports/gaps",
    "/reports/gaps.csv",
    "/reports/gaps.xlsx",
    "/reports/matrix",
    "/reports/skills?org_unit={unit}",
    "/reports/skills?service=zaaksysteem-0",
    "/reports/what-if?change_1-person={anna}&change_2-person={bram}",
    "/services/zaaksysteem-0",
    "/competences/CM",
    "/people/{anna}",
]


def _measure(client, demo) -> dict[str, int]:
    values = {
        "anna": demo.people["anna0"].employee_number,
        "bram": demo.people["bram0"].employee_number,
        "unit": demo.people["anna0"].org_unit_id,
    }
    return {url: statements_for(client, url.format(**values)) for url in URLS}


def grow(demo, start: int, count: int) -> None:
    """Make the first copy's pages longer: `count` more competences required by the
    Zaaksysteem and held by Anna, and `count` more people assigned to it."""
    from registry.catalogue.models.competences import Competence

    zaak, anna = demo.services[0], demo.people["anna0"]
    cm = db.session.query(Competence).filter_by(code="CM").one()
    for n in range(start, start + count):
        extra = factories.make_competence(code=f"X{n}", name=f"Extra {n}")
        factories.make_requirement(zaak, extra, required_level=2, min_holders=1)
        factories.make_holding(anna, extra, level=3)
        colleague = factories.make_person(name=f"Colleague {n}")
        factories.make_assignment(colleague, zaak, role="back-up")
        factories.make_holding(colleague, cm, level=3)
    db.session.commit()


@pytest.mark.parametrize("role", ["auditor", "editor"])  # editors also see the row actions
def test_page_query_counts_do_not_grow_with_the_data(client_as, app, role):
    client = client_as(role)
    first = demo_registry(scale=1)
    grow(first, 0, 1)
    small = _measure(client, first)
    # Three times as much: two more copies, and the first copy's lists three times as long.
    demo_registry(scale=2, start=1)
    grow(first, 1, 2)
    large = _measure(client, first)
    grown = {url: (small[url], large[url]) for url in URLS if large[url] != small[url]}
    assert not grown, f"statements per page grew with the data: {grown}"
