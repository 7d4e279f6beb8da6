"""Trend: `registry snapshot` stores each analysed requirement's status per day (idempotent),
the trend page and the service dossier show coverage over time as SVG plus a table, and the
demo loads a year of computed monthly snapshots."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from registry.audit.models.audit import AuditEvent
from registry.audit.services import audit
from registry.core.extensions import db
from registry.reports.models import StatusSnapshot
from registry.reports.services import trend
from registry.transfer.services import demo
from tests import factories
from tests.support import login

TODAY = date.today()


@pytest.fixture
def registry(app):
    """Two services of one provider; Lea leaves in 10 days, so coverage drops then."""
    dimpact = factories.make_provider(name="Dimpact")
    zaak = factories.make_service(code="zaak", name="Zaaksysteem", provider=dimpact)
    portal = factories.make_service(code="portal", name="Portaal")
    cm = factories.make_competence(code="CM")
    stay = factories.make_person(name="Stay")
    lea = factories.make_person(name="Lea", leave_date=TODAY + timedelta(days=10))
    for person in (stay, lea):
        factories.make_assignment(person, zaak)
        factories.make_holding(person, cm, level=4)
    factories.make_assignment(lea, portal)
    factories.make_requirement(zaak, cm, min_holders=1)
    factories.make_requirement(portal, cm, min_holders=1)
    db.session.commit()
    return {"zaak": zaak, "portal": portal}


def stored(day: date) -> dict:
    rows = db.session.execute(
        select(StatusSnapshot.service_id, StatusSnapshot.status, StatusSnapshot.computed).where(
            StatusSnapshot.day == day
        )
    ).all()
    return {(r.service_id, r.status, r.computed) for r in rows}


def test_snapshot_stores_each_requirement_once_per_day(runner, registry):
    result = runner.invoke(args=["snapshot"])
    assert result.exit_code == 0, result.output
    assert f"Snapshot of {TODAY.isoformat()} stored: 2 requirements" in result.output
    # Horizon 90 days: Lea leaves within it, so the portal's only holder is "leaving".
    assert stored(TODAY) == {
        (registry["zaak"].id, "covered", False),
        (registry["portal"].id, "leaving", False),
    }
    assert runner.invoke(args=["snapshot"]).exit_code == 0  # the same day again: replaced
    assert db.session.scalar(select(func.count()).select_from(StatusSnapshot)) == 2
    events = db.session.query(AuditEvent).filter_by(entity="snapshot").all()
    assert [e.entity_id for e in events] == [TODAY.isoformat()] * 2


def test_snapshot_as_of_another_day_is_marked_computed(runner, registry):
    later = TODAY + timedelta(days=20)
    result = runner.invoke(args=["snapshot", "--as-of", later.isoformat()])
    assert result.exit_code == 0, result.output
    assert (registry["portal"].id, "unassigned", True) in stored(later)
    bad = runner.invoke(args=["snapshot", "--as-of", "gisteren"])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output


def record(day: date) -> None:
    trend.record_snapshot(audit.Actor.system("test"), day)
    db.session.commit()


def test_trend_page_shows_coverage_over_time_as_svg_and_table(client_as, registry):
    record(TODAY - timedelta(days=30))
    record(TODAY)
    page = client_as("auditor").get("/reports/trend/").get_data(as_text=True)
    assert "<svg" in page and 'class="kb-chart__line"' in page and "<script" not in page
    overall = page[page.index('id="trend-overall-data"') :]
    first, last = (TODAY - timedelta(days=30)).isoformat(), TODAY.isoformat()
    assert f'data-day="{first}" data-coverage="0.0"' in overall
    assert f'data-day="{last}" data-coverage="0.0"' in overall
    assert 'id="trend-provider-' in page and "Dimpact" in page  # per provider
    assert 'data-service="zaak"' in page and 'data-service="portal"' in page  # per service
    assert 'id="computed-note"' in page  # the day 30 days ago was computed afterwards


def test_trend_page_follows_a_change_in_coverage(client_as, registry):
    record(TODAY)
    # A second holder for the portal: from tomorrow's snapshot it is covered.
    factories.make_assignment(
        factories.make_person(name="Nieuw"), registry["portal"]
    ).person.holdings = []
    person = factories.make_person(name="Nova")
    factories.make_assignment(person, registry["portal"])
    cm = db.session.query(factories.Competence).filter_by(code="CM").one()
    factories.make_holding(person, cm, level=5)
    db.session.commit()
    record(TODAY + timedelta(days=1))
    page = client_as("manager").get("/services/portal").get_data(as_text=True)
    section = page[page.index('id="trend-heading"') :]
    assert f'data-day="{TODAY.isoformat()}" data-coverage="0.0"' in section
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    assert f'data-day="{tomorrow}" data-coverage="100.0"' in section
    assert "<svg" in section


def test_trend_page_without_snapshots_says_how_to_make_them(client_as, app):
    page = client_as("editor").get("/reports/trend/").get_data(as_text=True)
    assert 'id="no-snapshots"' in page and "registry snapshot" in page


def test_trend_page_refuses_a_bad_date_with_a_message(client_as, registry):
    record(TODAY)
    response = client_as("editor").get("/reports/trend/?start=nope")
    assert response.status_code == 200
    assert 'id="start-error"' in response.get_data(as_text=True)


def test_a_long_period_is_shown_one_point_per_week(client_as, registry):
    for n in range(70):
        record(TODAY - timedelta(days=n))
    page = client_as("auditor").get("/reports/trend/").get_data(as_text=True)
    overall = page[page.index('id="trend-overall-data"') :]
    points = overall[: overall.index("</table>")].count("data-day=")
    assert 10 <= points <= 11  # the last snapshot of each ISO week


def test_the_demo_loads_a_year_of_computed_monthly_snapshots(client, app):
    demo.load_demo(audit.Actor.system("test"))
    login(client, factories.make_user(role="auditor"))
    days = trend.snapshot_days()
    firsts = [d for d in days if d.day == 1 and d < TODAY]
    assert len(firsts) >= 11 and days[-1] == TODAY
    assert all(s.computed for s in db.session.query(StatusSnapshot).all())
    page = client.get("/reports/trend/").get_data(as_text=True)
    assert 'id="computed-note"' in page and "computed afterwards" not in page  # Dutch
    assert "berekend" in page
