"""Full analyses and forecasts kept in the database for the next process: a new process at
the same audit head reads them instead of computing, a write since is caught up by the
incremental refresh, and nothing stored is used at a head it was not computed at."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.audit.models.audit import AuditEvent
from registry.audit.services import audit
from registry.core.extensions import db
from registry.gaps import services as service
from registry.gaps.models import StoredResult
from registry.gaps.rules import gaps as rules
from registry.gaps.services import cache, prepare, store
from registry.gaps.services import forecast as forecasting
from registry.gaps.services import sql as gap_sql
from registry.gaps.services.forecast import Cause, ForecastRow
from registry.gaps.services.rows import GapRow
from registry.people.models.holdings import Holding
from tests import factories
from tests.data.four_statuses import D, four_statuses

H = 90
texts = st.text(max_size=8)
days = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.builds(GapRow, contract_end=st.none() | days, provider_name=st.none() | texts)))
def test_gap_rows_come_back_as_they_went_in(rows):
    assert store.decode(GapRow, store.encode(GapRow, rows)) == tuple(rows)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.builds(
            ForecastRow,
            first_short_on=st.none() | days,
            steps=st.lists(st.tuples(days, st.integers(0, 99))).map(tuple),
            causes=st.lists(st.builds(Cause, on=days)).map(tuple),
        )
    )
)
def test_forecast_rows_come_back_as_they_went_in(rows):
    assert store.decode(ForecastRow, store.encode(ForecastRow, rows)) == tuple(rows)


def test_the_fingerprint_follows_the_fields():
    assert store.fingerprint(GapRow) != store.fingerprint(ForecastRow)
    assert len(store.fingerprint(GapRow)) == 64


@pytest.fixture
def counted(app, monkeypatch):
    """The cache on, nothing held in memory; yields the filters each gap computation ran with
    (None: a full analysis)."""
    app.config["GAP_CACHE"] = True
    service.clear_cache()
    forecasting.clear_cache()
    calls = []
    compute = gap_sql.compute

    def recording(as_of, horizon, filters):
        calls.append(filters)
        return compute(as_of, horizon, filters)

    monkeypatch.setattr(gap_sql, "compute", recording)
    yield calls
    service.clear_cache()
    forecasting.clear_cache()


def _event(entity="person", entity_id=1):
    audit.record(audit.Actor.system("test"), "update", entity, entity_id)
    db.session.commit()


def _new_process():
    """What a restart does to this process's caches (the database keeps its rows)."""
    store.write_pending()  # as when the request or command that computed them ends
    service.clear_cache()
    forecasting.clear_cache()


def test_a_new_process_reads_the_stored_analysis_instead_of_computing(counted):
    four_statuses()
    _event()  # a head to compute at
    first = service.analyse(D, H)
    assert counted == [None]
    _new_process()
    assert db.session.scalar(db.select(db.func.count()).select_from(StoredResult)) == 1
    assert service.analyse(D, H) == first
    assert counted == [None]  # nothing computed again
    # A narrow question (a dossier) is answered from it too.
    alpha = [r for r in first if r.service_code == "alpha"]
    assert service.analyse(D, H, service_ids=[alpha[0].service_id]) == alpha
    assert counted == [None]


def test_a_write_since_is_caught_up_by_recomputing_only_what_it_touched(app, counted):
    four_statuses()
    _event()
    service.analyse(D, H)
    _new_process()
    holding = db.session.execute(db.select(Holding).order_by(Holding.id)).scalars().first()
    before = audit.snapshot(holding)
    holding.level = 1
    audit.record(
        audit.Actor.system("test"),
        "update",
        "holding",
        holding.id,
        *audit.changes(before, audit.snapshot(holding)),
    )
    db.session.commit()
    counted.clear()
    rows = service.analyse(D, H)
    assert len(counted) == 1 and counted[0] is not None and counted[0].requirement_ids
    app.config["GAP_CACHE"] = False
    assert rows == service.analyse(D, H)  # the same as a fresh computation
    app.config["GAP_CACHE"] = True


def test_a_result_is_kept_while_the_chain_holds_its_head(counted):
    four_statuses()
    _event()
    first = service.analyse(D, H)
    _event("user")  # a login after the computation, before the context ended
    _new_process()
    assert service.analyse(D, H) == first
    assert counted == [None]  # caught up from the stored head: a login changes no figure


def test_a_result_of_a_head_the_chain_no_longer_holds_is_not_stored(counted):
    four_statuses()
    _event()
    service.analyse(D, H)
    db.session.execute(db.delete(AuditEvent))  # as if restored from an older backup
    db.session.commit()
    store.write_pending()
    assert db.session.scalar(db.select(db.func.count()).select_from(StoredResult)) == 0


def test_rows_of_another_version_of_the_code_are_ignored(counted):
    four_statuses()
    _event()
    service.analyse(D, H)
    store.write_pending()
    db.session.execute(db.update(StoredResult).values(fingerprint="0" * 64))
    db.session.commit()
    service.clear_cache()
    counted.clear()
    service.analyse(D, H)
    assert counted == [None]  # computed, not read


def test_the_forecast_is_stored_as_well(counted, monkeypatch):
    four_statuses()
    _event()
    first = forecasting.forecast(D, 365)
    _new_process()
    monkeypatch.setattr(forecasting, "compute", lambda *a, **k: pytest.fail("computed again"))
    assert forecasting.forecast(D, 365) == first


def test_anonymising_forgets_every_stored_result(counted):
    from registry.privacy import services as privacy

    four_statuses()
    leaver = factories.make_person(
        name="Long Gone", start_date=date(2000, 1, 1), leave_date=date(2010, 1, 1)
    )
    db.session.commit()
    leaver_id = leaver.id
    _event()
    forecasting.forecast(D, 365)
    store.write_pending()
    assert db.session.scalar(db.select(db.func.count()).select_from(StoredResult)) == 1
    privacy.anonymise(audit.Actor.system("test"), date(2015, 1, 1))
    db.session.commit()
    assert db.session.get(type(leaver), leaver_id).name != "Long Gone"
    assert db.session.scalar(db.select(db.func.count()).select_from(StoredResult)) == 0


def test_after_an_import_todays_figures_are_ready(counted, monkeypatch):
    four_statuses()
    _event("import", None)
    prepare.todays_figures()
    store.write_pending()
    as_of, horizon = service.resolve(None, None)
    kinds = set(db.session.scalars(db.select(StoredResult.kind).where(StoredResult.as_of == as_of)))
    assert kinds == {"gaps", "forecast"}
    _new_process()
    counted.clear()
    rows = service.analyse(as_of, horizon)
    assert counted == [] and {r.status for r in rows} <= set(rules.STATUSES)


def test_nothing_is_kept_while_the_cache_is_off(app):
    app.config["GAP_CACHE"] = False
    four_statuses()
    _event()
    service.analyse(D, H)
    prepare.todays_figures()
    store.write_pending()
    assert cache.cached_analysis(D, H) is None
    assert db.session.scalar(db.select(db.func.count()).select_from(StoredResult)) == 0


def test_registry_serve_prepares_and_stores_todays_figures_before_its_workers_start(counted):
    """`registry serve` computes today's analysis and forecast when nothing is stored, and
    stores them at once (its app context lasts as long as the server): every worker's first
    page reads them. Started again, it computes nothing."""
    from registry.serve import prepare_figures

    four_statuses()
    _event()
    prepare_figures()
    assert counted == [None]
    kinds = db.session.scalars(db.select(StoredResult.kind).order_by(StoredResult.kind)).all()
    assert kinds == ["forecast", "gaps"]
    _new_process()
    prepare_figures()
    assert counted == [None]  # read back, not computed
