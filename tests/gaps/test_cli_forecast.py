"""`registry forecast`: the JSON of DESIGN.md (fields, types, nulls, order), --all, --days,
CSV and table output, and bad input."""

import csv
import io
import json
from datetime import date

import pytest

from registry.core.extensions import db
from tests import factories

D = date(2025, 6, 2)


@pytest.fixture
def registry(app):
    """alpha×CM falls short on 2025-07-01 (Leaver leaves) and empty on 2025-08-01 (Stayer's
    assessment expires); beta×CM is short today; alpha×SEC never falls short."""
    alpha = factories.make_service(code="alpha")
    beta = factories.make_service(code="beta")
    cm = factories.make_competence(code="CM")
    sec = factories.make_competence(code="SEC")
    stayer = factories.make_person(name="Stayer", employee_number="E1")
    leaver = factories.make_person(name="Leaver", employee_number="E2", leave_date=date(2025, 7, 1))
    for person in (stayer, leaver):
        factories.make_assignment(person, alpha)
    factories.make_holding(stayer, cm, level=4, expires_on=date(2025, 8, 1))
    factories.make_holding(leaver, cm, level=3)
    factories.make_holding(stayer, sec, level=3)
    factories.make_requirement(alpha, cm, required_level=3, min_holders=2)
    factories.make_requirement(alpha, sec, required_level=3, min_holders=1)
    factories.make_requirement(beta, cm, required_level=3, min_holders=1)
    db.session.commit()


def run(runner, *args):
    result = runner.invoke(args=["forecast", "--as-of", D.isoformat(), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_json_shape_and_order(runner, registry):
    records = json.loads(run(runner, "--format", "json", "--all"))
    assert [(r["service"], r["competence"]) for r in records] == [
        ("beta", "CM"),  # short on D
        ("alpha", "CM"),  # short on 2025-07-01
        ("alpha", "SEC"),  # never short: last
    ]
    assert records[1] == {
        "service": "alpha",
        "competence": "CM",
        "required_level": 3,
        "min_holders": 2,
        "holders_now": 2,
        "first_short_on": "2025-07-01",
        "first_empty_on": "2025-08-01",
        "steps": [["2025-07-01", 1], ["2025-08-01", 0]],
        "causes": [
            {"kind": "leaves", "employee_number": "E2", "name": "Leaver", "on": "2025-07-01"}
        ],
    }
    assert records[0]["first_short_on"] == records[0]["first_empty_on"] == "2025-06-02"
    assert records[0]["causes"] == [] and records[0]["steps"] == []
    assert records[2]["first_short_on"] is None and records[2]["first_empty_on"] is None
    assert list(records[2]) == list(records[1])  # every field, in the same order


def test_without_all_and_a_shorter_window(runner, registry):
    records = json.loads(run(runner, "--format", "json"))
    assert [r["competence"] for r in records] == ["CM", "CM"]
    short = json.loads(run(runner, "--format", "json", "--days", "20"))
    assert [(r["service"], r["first_short_on"]) for r in short] == [("beta", "2025-06-02")]


def test_csv_and_table(runner, registry):
    rows = list(csv.DictReader(io.StringIO(run(runner, "--format", "csv"))))
    assert rows[1]["steps"] == "2025-07-01:1 2025-08-01:0"
    assert rows[1]["causes"] == "Leaver (E2) leaves"
    assert rows[0]["first_short_on"] == "2025-06-02"
    table = run(runner)
    assert "2 of 3 requirements fall short" in table
    assert "Leaver (E2) leaves" in table and "short today" in table


def test_bad_input(runner, app):
    result = runner.invoke(args=["forecast", "--as-of", "tomorrow"])
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output
    result = runner.invoke(args=["forecast", "--days", "-1"])
    assert result.exit_code == 2
