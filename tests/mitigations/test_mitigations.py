"""Gaps that lead to action: a mitigation shows beside its requirement's status on the
dashboard, the gap list, the service dossier, the CSV/XLSX exports and `registry gaps` JSON;
accepted risks lapse on their expiry; the form's rules; Maatregelen and Mijn werk."""

import csv
import io
import json
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from registry.audit.models.audit import AuditEvent
from registry.core.extensions import db
from registry.core.provenance import strip_preamble
from registry.mitigations.models import Mitigation
from tests import factories

TODAY = date.today()


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


def block(page: str, marker: str) -> str:
    """The table row that starts at `marker` (up to the row's end)."""
    start = page.index(marker)
    return page[start : page.index("</tr>", start)]


@pytest.fixture
def gap(app):
    """One service (owned by Olga) with an unassigned requirement and a covered one."""
    olga = factories.make_person(employee_number="E100", name="Olga Owner")
    service = factories.make_service(
        code="zaak", name="Zaaksysteem", criticality="critical", owner=olga
    )
    cm = factories.make_competence(code="CM", name="Contractmanagement")
    sec = factories.make_competence(code="SEC", name="Informatiebeveiliging")
    holder = factories.make_person(name="Henk Holder")
    factories.make_assignment(holder, service)
    factories.make_holding(holder, sec, level=4)
    unassigned = factories.make_requirement(service, cm, min_holders=1)
    covered = factories.make_requirement(service, sec, min_holders=1)
    db.session.commit()
    return {"service": service, "owner": olga, "req": unassigned, "covered": covered}


def form(**overrides) -> dict:
    data = {
        "kind": "training",
        "owner_id": "E100",
        "due_on": days(30).isoformat(),
        "status": "open",
        "risk_expires_on": "",
        "note": "Cursus contractmanagement",
    }
    data.update(overrides)
    return data


def new_url(gap) -> str:
    return f"/services/zaak/requirements/{gap['req'].id}/mitigations/new"


def add(gap, **kw) -> Mitigation:
    kw.setdefault("kind", "training")
    mitigation = Mitigation(requirement=gap["req"], **kw)
    db.session.add(mitigation)
    db.session.commit()
    return mitigation


@pytest.fixture
def english(client_as):
    def _client(role):
        c = client_as(role)
        c.post("/language", data={"lang": "en"})
        return c

    return _client


# --- done when: record one, see it everywhere -------------------------------------------------


def test_a_recorded_mitigation_shows_beside_the_risk_everywhere(english, runner, gap):
    manager = english("manager")
    dashboard = manager.get("/reports/").get_data(as_text=True)
    row = block(dashboard, 'data-requirement="zaak/CM"')
    assert "data-no-mitigation" in row
    assert new_url(gap) in row  # the dashboard links straight to the form

    response = manager.post(new_url(gap), data=form())
    assert response.status_code == 302
    [event] = db.session.query(AuditEvent).filter_by(entity="mitigation", action="create").all()
    assert event.actor_role == "manager"

    due = days(30)
    markers = {
        "/reports/": 'data-requirement="zaak/CM"',
        "/reports/gaps": 'data-requirement="zaak/CM"',
        "/services/zaak": 'id="req-CM"',
        "/competences/CM": 'data-service="zaak"',
    }
    for url, marker in markers.items():
        page = manager.get(url).get_data(as_text=True)
        row = block(page, marker)
        assert 'data-kind="training"' in row, url
        assert "training (open)" in row and "Olga Owner" in row, url
        assert "data-overdue" not in row and "data-no-mitigation" not in row, url
        assert 'data-status="unassigned"' in row  # the status itself never changes

    csv_rows = list(
        csv.reader(
            io.StringIO(strip_preamble(manager.get("/reports/gaps.csv").data.decode("utf-8-sig")))
        )
    )
    header, [line] = csv_rows[0], csv_rows[1:]
    cell = line[header.index("Open mitigations")]
    assert "training (open)" in cell and "Olga Owner (E100)" in cell
    assert f"due {due.isoformat()}" in cell
    assert line[header.index("Risk accepted until")] == ""

    sheet = load_workbook(io.BytesIO(manager.get("/reports/gaps.xlsx").data)).active
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    header_row = next(r for r in values if "Open mitigations" in r)
    data_row = values[values.index(header_row) + 1]
    assert "Olga Owner (E100)" in data_row[header_row.index("Open mitigations")]

    result = runner.invoke(args=["gaps", "--format", "json"])
    assert result.exit_code == 0, result.output
    [record] = json.loads(result.output)
    assert record["mitigations"] == [
        {
            "kind": "training",
            "status": "open",
            "owner": "E100",
            "due_on": due.isoformat(),
            "risk_expires_on": None,
            "overdue": False,
        }
    ]


def test_done_and_cancelled_mitigations_are_not_shown_beside_the_status(client_as, runner, gap):
    add(gap, status="done")
    add(gap, status="cancelled", kind="hire")
    page = client_as("auditor").get("/reports/gaps").get_data(as_text=True)
    assert "data-no-mitigation" in block(page, 'data-requirement="zaak/CM"')
    [record] = json.loads(runner.invoke(args=["gaps", "--format", "json"]).output)
    assert record["mitigations"] == []


def test_an_overdue_mitigation_is_marked_on_every_list(client_as, runner, users, gap):
    users["manager"].person_id = gap["owner"].id  # for Mijn werk
    add(gap, due_on=days(-1), status="in_progress", owner=gap["owner"])
    client = client_as("manager")
    for url in ("/reports/", "/reports/gaps", "/services/zaak", "/mitigations/", "/my-work/"):
        assert "data-overdue" in client.get(url).get_data(as_text=True), url
    [record] = json.loads(runner.invoke(args=["gaps", "--format", "json"]).output)
    assert record["mitigations"][0]["overdue"] is True
    # Due today is not overdue yet.
    db.session.query(Mitigation).update({"due_on": TODAY})
    db.session.commit()
    assert "data-overdue" not in client.get("/reports/gaps").get_data(as_text=True)


# --- accepted risks ---------------------------------------------------------------------------


def test_an_accepted_risk_is_shown_until_it_lapses(client_as, runner, gap):
    expires = days(60)
    add(gap, kind="accept_risk", risk_expires_on=expires, note="Leverancier borgt dit")
    client = client_as("auditor")
    page = client.get("/reports/gaps").get_data(as_text=True)
    row = block(page, 'data-requirement="zaak/CM"')
    assert f'data-risk-accepted="{expires.isoformat()}"' in row
    assert "risico geaccepteerd tot" in row  # Dutch by default
    assert 'data-status="unassigned"' in row  # the computed status stays
    # On its expiry date it has lapsed: no longer shown as accepted.
    page = client.get(f"/reports/gaps?as_of={expires.isoformat()}").get_data(as_text=True)
    row = block(page, 'data-requirement="zaak/CM"')
    assert "data-risk-accepted" not in row and "data-lapsed" in row
    [record] = json.loads(runner.invoke(args=["gaps", "--format", "json"]).output)
    assert record["status"] == "unassigned"
    assert record["mitigations"][0]["risk_expires_on"] == expires.isoformat()


def test_gap_list_filters_without_mitigation_and_risk_accepted(client_as, gap):
    other = factories.make_requirement(gap["service"], factories.make_competence(code="ARCH"))
    lapsed = factories.make_requirement(gap["service"], factories.make_competence(code="PRIV"))
    db.session.commit()
    add(gap, kind="accept_risk", risk_expires_on=days(10), note="ok")
    db.session.add(
        Mitigation(requirement=lapsed, kind="accept_risk", risk_expires_on=days(-1), note="old")
    )
    db.session.commit()
    client = client_as("manager")

    def shown(query):
        page = client.get(f"/reports/gaps?{query}").get_data(as_text=True)
        return {
            code for code in ("CM", "ARCH", "PRIV") if f'data-requirement="zaak/{code}"' in page
        }

    assert shown("") == {"CM", "ARCH", "PRIV"}
    assert shown("mitigation=without") == {"ARCH", "PRIV"}  # a lapsed acceptance is no answer
    assert shown("mitigation=with") == {"CM"}
    assert shown("mitigation=accepted") == {"CM"}
    assert shown("mitigation=nonsense") == {"CM", "ARCH", "PRIV"}  # ignored, with a message
    assert other.id  # silence unused
    csv_text = client.get("/reports/gaps.csv?mitigation=without").data.decode("utf-8-sig")
    assert "ARCH" in csv_text and ",CM," not in csv_text


# --- the form ---------------------------------------------------------------------------------


def test_the_kind_has_no_default_and_an_untouched_form_is_refused(english, gap):
    client = english("manager")
    page = client.get(new_url(gap)).get_data(as_text=True)
    select = page[page.index('id="kind"') : page.index("</select>", page.index('id="kind"'))]
    assert '><option value="">choose a kind of measure</option>' in select
    assert "selected" not in select  # nothing chosen for the user
    response = client.post(new_url(gap), data=form(kind=""))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="kind-error"' in page and "Choose the kind of measure." in page
    assert db.session.query(Mitigation).count() == 0


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"note": ""}, "note", "needs a justification"),
        ({"note": "   "}, "note", "needs a justification"),
        ({"risk_expires_on": ""}, "risk_expires_on", "needs a date"),
        ({"risk_expires_on": days(367).isoformat()}, "risk_expires_on", "at most a year"),
        ({"risk_expires_on": TODAY.isoformat()}, "risk_expires_on", "after today"),
        ({"risk_expires_on": days(-5).isoformat()}, "risk_expires_on", "after today"),
    ],
)
def test_accepting_a_risk_needs_a_justification_and_an_expiry_within_a_year(
    english, gap, overrides, field, message
):
    data = form(kind="accept_risk", risk_expires_on=days(90).isoformat(), **{})
    data.update(overrides)
    response = english("manager").post(new_url(gap), data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="{field}-error"' in page and message in page
    assert db.session.query(Mitigation).count() == 0


def test_an_accepted_risk_of_exactly_a_year_is_allowed(client_as, gap):
    year = (
        TODAY.replace(year=TODAY.year + 1) if not (TODAY.month == 2 and TODAY.day == 29) else None
    )
    expires = year or date(TODAY.year + 1, 2, 28)
    data = form(kind="accept_risk", risk_expires_on=expires.isoformat(), note="Borging via SLA")
    assert client_as("manager").post(new_url(gap), data=data).status_code == 302
    assert db.session.query(Mitigation).one().risk_expires_on == expires


def test_a_lapsed_accepted_risk_can_still_be_closed(client_as, gap):
    mitigation = add(gap, kind="accept_risk", risk_expires_on=days(-3), note="Was ok")
    url = f"/services/zaak/requirements/{gap['req'].id}/mitigations/{mitigation.id}/edit"
    data = form(
        kind="accept_risk",
        risk_expires_on=days(-3).isoformat(),
        note="Was ok",
        status="done",
        version=str(mitigation.version),
    )
    assert client_as("manager").post(url, data=data).status_code == 302
    db.session.refresh(mitigation)
    assert mitigation.status == "done"


# --- Maatregelen ------------------------------------------------------------------------------


def test_maatregelen_lists_every_mitigation_with_its_gap_and_note(client_as, gap):
    other_owner = factories.make_person(employee_number="E200", name="Piet Planner")
    late = add(gap, due_on=days(-2), note="Nog niet gestart", owner=gap["owner"])
    risk = add(gap, kind="accept_risk", risk_expires_on=days(20), note="SLA", owner=other_owner)
    done = add(gap, kind="hire", status="done", due_on=days(-30))
    client = client_as("auditor")
    page = client.get("/mitigations/").get_data(as_text=True)
    assert "Maatregelen" in page  # the navigation and the heading, in Dutch
    for m in (late, risk, done):
        assert f'data-mitigation="{m.id}"' in page
    row = block(page, f'data-mitigation="{late.id}"')
    assert "Zaaksysteem" in row and "Contractmanagement" in row
    assert 'data-status="unassigned"' in row  # the gap's current status
    assert "Nog niet gestart" in row and "data-overdue" in row
    assert page.index(f'data-mitigation="{late.id}"') < page.index(f'data-mitigation="{risk.id}"')
    assert "data-risk-accepted" in block(page, f'data-mitigation="{risk.id}"')
    assert "data-overdue" not in block(page, f'data-mitigation="{done.id}"')

    def listed(query):
        text = client.get(f"/mitigations/?{query}").get_data(as_text=True)
        return {m.id for m in (late, risk, done) if f'data-mitigation="{m.id}"' in text}

    assert listed("status=done") == {done.id}
    assert listed("kind=accept_risk") == {risk.id}
    assert listed("owner=E200") == {risk.id}
    assert listed("owner=olga") == {late.id}
    assert listed("overdue=y") == {late.id}
    assert listed("owner=%25") == set()  # wildcards are taken literally
    assert listed("status=whatever") == {late.id, risk.id, done.id}


def test_maatregelen_is_paginated_and_its_queries_do_not_grow(client_as, gap):
    from tests.support import statements_for

    for n in range(3):
        add(gap, owner=factories.make_person(), note=f"n{n}")
    client = client_as("manager")
    few = statements_for(client, "/mitigations/")
    for n in range(30):
        add(gap, owner=factories.make_person(), note=f"m{n}")
    assert statements_for(client, "/mitigations/") == few
    many = client.get("/mitigations/?page=2").get_data(as_text=True)
    assert "data-mitigation=" in many


def test_the_old_mitigation_list_address_moves_to_maatregelen(client_as, gap):
    response = client_as("auditor").get("/services/mitigations?status=open")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/mitigations/?status=open")


def test_gap_pages_query_mitigations_once_whatever_the_rows(client_as, gap):
    from tests.support import statements_for

    client = client_as("manager")
    add(gap, owner=gap["owner"])
    few = {url: statements_for(client, url) for url in ("/reports/", "/reports/gaps")}
    for n in range(8):
        requirement = factories.make_requirement(
            gap["service"], factories.make_competence(code=f"X{n}")
        )
        db.session.add(
            Mitigation(requirement=requirement, kind="hire", owner=factories.make_person())
        )
    db.session.commit()
    for url, count in few.items():
        assert statements_for(client, url) == count, url


# --- Mijn werk --------------------------------------------------------------------------------


def test_mijn_werk_says_when_the_account_is_not_linked(english):
    page = english("editor").get("/my-work/").get_data(as_text=True)
    assert 'id="not-linked"' in page and "not linked to a staff record" in page


def test_mijn_werk_shows_owned_services_mitigations_and_own_departure(app, english, users, gap):
    owner = gap["owner"]
    users["manager"].person_id = owner.id
    # Olga is the only holder of SEC for Zaaksysteem, and leaves in 40 days.
    owner.leave_date = days(40)
    factories.make_assignment(owner, gap["service"])
    factories.make_holding(owner, factories.make_competence(code="ARCH", name="Architectuur"))
    arch = db.session.query(factories.Competence).filter_by(code="ARCH").one()
    factories.make_requirement(gap["service"], arch, min_holders=1)
    db.session.commit()
    mine = add(gap, owner=owner, due_on=days(-1), note="Opleiding plannen")
    add(gap, owner=owner, status="done", note="Afgerond")
    add(gap, owner=factories.make_person(), note="Van iemand anders")

    page = english("manager").get("/my-work/").get_data(as_text=True)
    assert 'data-service="zaak"' in block(page, 'data-service="zaak"')
    assert page.index('id="my-services"') < page.index('data-service="zaak"')
    assert f'data-mitigation="{mine.id}"' in page and "Opleiding plannen" in page
    assert "Afgerond" not in page and "Van iemand anders" not in page
    assert "data-overdue" in page
    assert f'data-leave-date="{days(40).isoformat()}"' in page
    departure = page[page.index('id="my-departure"') :]
    assert 'data-requirement="zaak/ARCH"' in departure
    assert 'data-before><span class="utrecht-status-badge' in departure


def test_mijn_werk_without_a_leave_date(english, users, gap):
    users["auditor"].person_id = gap["owner"].id
    db.session.commit()
    page = english("auditor").get("/my-work/").get_data(as_text=True)
    assert "No leave date is registered for you." in page
    assert "You own no open mitigations." in page
