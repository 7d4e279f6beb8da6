"""The peildatum travels: once set on a report, every page keeps it and shows it in its header
with a way back to today; explicit parameters still win."""

import re
from datetime import date

import pytest

from registry.core.extensions import db
from tests import factories

D = "2025-06-30"


@pytest.fixture
def auditor(client_as):
    service = factories.make_service(code="loket")
    factories.make_requirement(service)
    db.session.commit()
    return client_as("auditor")


def _as_of_field(page: str) -> str | None:
    match = re.search(r'<input[^>]*name="as_of"[^>]*value="([^"]*)"', page) or re.search(
        r'<input[^>]*value="([^"]*)"[^>]*name="as_of"', page
    )
    return match.group(1) if match else None


def _banner(page: str) -> str | None:
    match = re.search(r'data-peildatum="([^"]+)" data-peildatum-horizon="(\d+)"', page)
    return f"{match.group(1)}/{match.group(2)}" if match else None


def test_the_peildatum_follows_the_navigation(auditor):
    page = auditor.get("/reports/", query_string={"as_of": D, "horizon": "30"}).get_data(
        as_text=True
    )
    assert _banner(page) == f"{D}/30"
    # plain navigation links, no parameters: the reports keep the date …
    for url in ("/reports/gaps", "/reports/matrix", "/reports/skills", "/reports/what-if", "/"):
        page = auditor.get(url).get_data(as_text=True)
        assert _banner(page) == f"{D}/30", url
        if url != "/":
            assert _as_of_field(page) == D, url
            assert 'value="30"' in page, url
    # … and so does every other page's header
    for url in ("/services/", "/people/", "/audit/", "/attestations/"):
        assert _banner(auditor.get(url).get_data(as_text=True)) == f"{D}/30", url
    # the dossier of a service shows the same date
    page = auditor.get("/services/loket").get_data(as_text=True)
    assert 'data-as-of="2025-06-30"' in page


def test_explicit_parameters_win_and_become_the_peildatum(auditor):
    auditor.get("/reports/", query_string={"as_of": D})
    page = auditor.get("/reports/gaps", query_string={"as_of": "2024-12-31"}).get_data(as_text=True)
    assert _as_of_field(page) == "2024-12-31"
    assert _banner(auditor.get("/reports/matrix").get_data(as_text=True)).startswith("2024-12-31")


def test_back_to_today(auditor):
    auditor.get("/reports/", query_string={"as_of": D, "horizon": "30"})
    response = auditor.post(
        "/peildatum/reset", data={"next": f"/reports/gaps?as_of={D}&horizon=30&status=leaving"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/reports/gaps?status=leaving"
    page = auditor.get("/reports/gaps").get_data(as_text=True)
    assert _banner(page) is None
    assert _as_of_field(page) in ("", None)
    # clearing the date on a report's form does the same
    auditor.get("/reports/", query_string={"as_of": D})
    auditor.get("/reports/", query_string={"as_of": "", "horizon": ""})
    assert _banner(auditor.get("/reports/gaps").get_data(as_text=True)) is None


def test_today_is_no_peildatum_and_bad_values_change_nothing(auditor):
    auditor.get("/reports/", query_string={"as_of": date.today().isoformat(), "horizon": "90"})
    assert _banner(auditor.get("/").get_data(as_text=True)) is None
    auditor.get("/reports/", query_string={"as_of": D})
    auditor.get("/reports/", query_string={"as_of": "30-06-2025"})
    assert _banner(auditor.get("/").get_data(as_text=True)).startswith(D)


def test_reset_goes_only_to_this_site(auditor):
    auditor.get("/reports/", query_string={"as_of": D})
    response = auditor.post("/peildatum/reset", data={"next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_a_new_attestation_starts_from_the_peildatum(auditor):
    auditor.get("/reports/", query_string={"as_of": D, "horizon": "30"})
    page = auditor.get("/attestations/new").get_data(as_text=True)
    assert f'value="{D}"' in page and 'value="30"' in page
