"""The supplier register (BIO2 5.19–5.22): every outsourced service with provider, contract,
owner, criticality, coverage and open mitigations; a page and a dated XLSX."""

import io
from datetime import date

from openpyxl import load_workbook

from registry.core.extensions import db
from registry.mitigations.models import Mitigation
from tests import factories
from tests.support import statements_for

D = date(2025, 6, 30)
PERIOD = {"as_of": D.isoformat(), "horizon": "90"}


def _services(n: int, start: int = 0):
    provider = factories.make_provider(name=f"Leverancier {start}", kind="supplier")
    owner = factories.make_person(name=f"Eigenaar {start}")
    for i in range(start, start + n):
        service = factories.make_service(
            code=f"dienst-{i}",
            name=f"Dienst {i}",
            provider=provider,
            owner=owner,
            criticality="high",
            contract_start=date(2020, 1, 1),
            contract_end=date(2025, 8, 1),
        )
        covered = factories.make_requirement(service, min_holders=1, required_level=3)
        gap = factories.make_requirement(service, min_holders=1)
        person = factories.make_person()
        factories.make_assignment(person, service)
        factories.make_holding(person, covered.competence, level=3)
        db.session.add(Mitigation(requirement=gap, kind="training", due_on=date(2025, 1, 1)))
        db.session.add(
            Mitigation(requirement=gap, kind="hire", due_on=date(2026, 1, 1), status="done")
        )
    db.session.commit()
    return provider, owner


def test_the_register_page(client_as):
    provider, owner = _services(1)
    factories.make_service(code="oud", name="Oude dienst", status="retired")
    db.session.commit()
    page = client_as("auditor").get("/reports/suppliers/", query_string=PERIOD)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-service="dienst-0"' in html and 'data-service="oud"' in html
    assert "Leverancier 0" in html and f"/people/{owner.employee_number}" in html
    assert 'data-contract-ending="true"' in html  # ends 2025-08-01, before D + 90
    assert 'data-coverage="50.0"' in html
    assert 'data-open="1"' in html  # the done one is not open


def test_the_register_as_dated_xlsx(client_as):
    _services(2)
    response = client_as("manager").get("/reports/suppliers/register.xlsx", query_string=PERIOD)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    sheet = book[book.sheetnames[0]]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3 and rows[1][0] == "Leverancier 0" and rows[1][2] == "dienst-0"
    assert rows[1][13] == 50.0 and rows[1][15] == 1 and rows[1][16] == 1
    meta = dict(book["Verantwoording"].iter_rows(values_only=True))
    assert meta["as_of"] == "2025-06-30" and meta["audit_head"]


def test_queries_do_not_grow_with_services(client_as):
    client = client_as("auditor")
    _services(2)
    few = statements_for(client, "/reports/suppliers/?as_of=2025-06-30")
    _services(10, start=2)
    assert statements_for(client, "/reports/suppliers/?as_of=2025-06-30") == few
