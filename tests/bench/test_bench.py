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


REGION_FIGURES = (
    "import, the region (one per municipality)",
    "import, the municipality alone",
    "dashboard, cold ",
    "dashboard, warm ",
    "gap list, cold, nothing stored ",
    "service dossier, warm ",
    "person dossier, cold ",
    "gap analysis, the municipality alone ",
    "gap analysis, the municipality in the region ",
    "hand-written SQL, the whole region ",
    "gap analysis, the whole region (no scope) ",
)


def test_region_bench_runs_at_tiny_scale_and_prints_every_figure(runner, database_url):
    args = ["bench", "--region", "--municipalities", "2", "--people", "60", "--repeat", "1"]
    if database_url.startswith("postgres"):
        args += ["--database-url", database_url]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "2 municipalities of 60 people (120 people, 960 holdings)" in out
    for label in REGION_FIGURES:
        assert re.search(rf"^{re.escape(label)}.*\d+\.\d", out, re.MULTILINE), label
    assert out.count("counts agree: yes") == 3
    assert "measured: GM9002 (municipality 2 of 2)" in out
    assert re.search(r"^dashboard, warm\s+\d+\.\d\s+\d+\.\d\s+\d+\.\d\d×", out, re.MULTILINE)
    assert "Summary (median)" in out
    assert "registry.request" not in out and "import started" not in out
