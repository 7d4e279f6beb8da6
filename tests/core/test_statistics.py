"""Planner statistics: an imported registry is planned like an analysed one, without anyone
running ANALYZE (issue 12, item 1)."""

import json
from datetime import date

import pytest
from sqlalchemy import text

from registry import bench
from registry.audit.services import audit
from registry.core import statistics
from registry.core.extensions import db
from registry.gaps.services import sql as gap_sql
from registry.transfer.cli import import_and_commit
from registry.transfer.services import interchange

AS_OF = date(2026, 12, 2)


def import_small_region():
    files = bench.interchange_files(bench.generate_rows(bench.Scale.small(), AS_OF, 90, 7))
    plan = import_and_commit(files, audit.Actor.system("test"))
    assert plan.ok, [str(p) for p in plan.problems[:5]]
    return plan


def gap_plan() -> list[str]:
    """The plan of the full gap statement, one line per step."""
    statement = gap_sql._analysis_statement(AS_OF, 90, None)
    compiled = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
    if db.engine.dialect.name == "sqlite":
        return [row[3] for row in db.session.execute(text("EXPLAIN QUERY PLAN " + compiled))]
    (plan,) = db.session.execute(text("EXPLAIN (FORMAT JSON) " + compiled)).scalar_one()
    return json.dumps(plan)


def test_an_import_leaves_statistics_behind(app):
    assert not statistics.missing()  # an empty registry needs none
    import_small_region()
    assert not statistics.missing()


def test_the_gap_statement_seeks_holdings_on_a_freshly_imported_registry(app):
    import_small_region()
    plan = gap_plan()
    if db.engine.dialect.name == "sqlite":
        # Holdings (the largest table) are reached by person and competence, never read whole
        # or by competence alone (all holders of a popular competence: what SQLite does
        # without statistics).
        assert not [step for step in plan if step.startswith("SCAN holdings")], plan
        assert not [step for step in plan if "ix_holdings_competence_id" in step], plan
        assert any(step.startswith("SEARCH holdings") and "person_id=?" in step for step in plan), (
            plan
        )
    else:
        # PostgreSQL: the planner's row estimate for holdings is the real count (from ANALYZE),
        # not a guess from the table's size.
        real = db.session.scalar(text("SELECT count(*) FROM holdings"))
        estimate = db.session.scalar(
            text("SELECT reltuples FROM pg_class WHERE oid = to_regclass('holdings')")
        )
        assert estimate == real


def test_statistics_are_made_on_start_up_when_missing(app, monkeypatch):
    monkeypatch.setattr(statistics, "refresh", lambda tables=None, rows=None: None)
    import_small_region()
    monkeypatch.undo()
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("DELETE FROM sqlite_stat1"))
    else:
        pytest.skip("PostgreSQL keeps statistics once made; autovacuum refreshes them too")
    db.session.commit()
    assert statistics.missing()
    assert statistics.ensure() is True
    assert not statistics.missing()
    assert statistics.ensure() is False  # cheap when they are there


def test_the_start_up_check_runs_once_before_the_first_request(make_app, monkeypatch):
    calls = []
    monkeypatch.setattr(statistics, "ensure", lambda: calls.append(1) or False)
    app = make_app(STATISTICS_ON_START=True)
    client = app.test_client()
    client.get("/login")
    client.get("/login")
    assert calls == [1]


def test_a_dry_run_plan_reads_but_does_not_write(app):
    files = bench.interchange_files(bench.generate_rows(bench.Scale.small(), AS_OF, 90, 7))
    plan = interchange.plan_import(files)
    assert plan.ok and not plan.applied
    assert plan.counts["holdings.csv"].create == 4_000


def test_a_small_import_into_an_analysed_registry_only_optimises(app, monkeypatch):
    import_small_region()
    statements = []
    real_execute = db.session.execute

    def spy(statement, *args, **kwargs):
        statements.append(str(statement))
        return real_execute(statement, *args, **kwargs)

    monkeypatch.setattr(db.session, "execute", spy)
    statistics.refresh(["people"], rows=3)
    if db.engine.dialect.name == "sqlite":
        assert "ANALYZE" not in statements and "PRAGMA optimize" in statements
    else:
        assert statements[-1] == 'ANALYZE "people"'


def test_on_postgresql_an_import_plans_each_lookup_anew(app):
    """A plan cached at the first batches (empty tables) made each later people lookup scan:
    a 50,000-person import took 62 s instead of 18 s. The import turns psycopg's prepared
    statements off for its own run only (not the server's plan cache: its foreign-key checks
    keep their plans)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite plans every statement anew")
    driver = db.session.connection().connection.driver_connection
    before = driver.prepare_threshold
    during = []
    files = bench.interchange_files(bench.generate_rows(bench.Scale.small(), AS_OF, 90, 7))
    plan = interchange.import_files(
        audit.Actor.system("test"),
        files,
        progress=lambda _file, _rows: during.append(driver.prepare_threshold),
    )
    assert plan.ok and during and set(during) == {None}
    assert driver.prepare_threshold == before is not None
    assert db.session.execute(text("SHOW plan_cache_mode")).scalar_one() == "auto"
