"""Wording at region scale and in Dutch: no raw field names in messages, ended contracts are
not "ending", and the dashboard summarises (issue 12, items 6 and 7)."""

from datetime import date

from tests import factories


def test_a_what_if_error_names_the_field_not_its_code(client_as):
    client = client_as("manager")
    client.post("/language", data={"lang": "en"})
    page = client.get("/reports/what-if?change_1-person=NOPE").get_data(as_text=True)
    assert "Change 1, person: No one matches “NOPE”." in page
    assert "Change 1: person" not in page


def test_ended_contracts_are_not_listed_as_ending(client_as):
    factories.make_service(code="oud", name="Oud contract", contract_end=date(2016, 5, 1))
    factories.make_service(code="bijna", name="Bijna af", contract_end=date(2026, 2, 1))
    client = client_as("manager")
    client.post("/language", data={"lang": "en"})
    page = client.get("/reports/?as_of=2026-01-01&horizon=90").get_data(as_text=True)
    ending = page.split('id="contracts"', 1)[1].split("</table>", 1)[0]
    assert 'data-service="bijna"' in ending and 'data-service="oud"' not in ending
    ended = page.split('id="ended-contracts"', 1)[1].split("</ul>", 1)[0]
    assert 'data-service="oud"' in ended and "ended on" in ended


def test_the_service_dossier_does_not_call_an_ended_contract_ending(client_as):
    factories.make_service(code="oud", name="Oud contract", contract_end=date(2016, 5, 1))
    page = client_as("manager").get("/services/oud?as_of=2026-01-01").get_data(as_text=True)
    assert 'id="contract-ending"' not in page
