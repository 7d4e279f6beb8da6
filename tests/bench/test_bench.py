"""`registry bench` at a tiny scale: it generates, measures and prints every figure."""

import re

import pytest

FIGURES = (
    "hand-written SQL query",
    "full gap computation",
    "dashboard",
    "gap list",
    "service dossier",
    "what-if, one person",
    "key people",
    "peak memory",
    "export, zip of CSV files",
    "export, Excel workbook",
)


def test_bench_runs_at_tiny_scale_and_prints_every_figure(runner, database_url):
    args = [
        "bench",
        "--people",
        "60",
        "--competences",
        "8",
        "--services",
        "4",
        "--requirements",
        "12",
        "--assignments",
        "40",
        "--holdings",
        "200",
        "--repeat",
        "1",
    ]
    if database_url.startswith("postgres"):
        args += ["--database-url", database_url]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    out = result.output
    for label in FIGURES:
        assert re.search(rf"^{re.escape(label)}.*\d+\.\d (ms|MiB)", out, re.MULTILINE), label
    assert "counts agree: yes" in out
    assert "generated" in out and "200 holdings" in out
    assert re.search(r"^import \(registry import, one transaction\).*ms", out, re.MULTILINE)
    assert "Summary (median)" in out
    # The figures are not buried under a log line per request and per import step.
    assert "registry.request" not in out and "import started" not in out


def test_bench_leaves_the_given_postgresql_database_as_it_was(runner, database_url):
    if not database_url.startswith("postgres"):
        pytest.skip("PostgreSQL only: on SQLite the bench uses a temporary file")
    from sqlalchemy import create_engine, inspect

    url = database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url)
    before = set(inspect(engine).get_schema_names())
    result = runner.invoke(
        args=["bench", "--small", "--repeat", "1", "--database-url", database_url]
    )
    assert result.exit_code == 0, result.output
    assert set(inspect(engine).get_schema_names()) == before
    engine.dispose()
